package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.llama.LlamaLog;
import com.mysticanvas.llm.llama.LlamaStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Builds a request's llama.cpp sampler chain: grammar, logit bias, penalties, top-k, top-p, min-p,
 * temperature, then the random pick (seeded) or greedy. One chain per request; freed when it ends.
 */
final class SamplerChain {
    private SamplerChain() {}

    /**
     * A new chain (caller frees it with {@code llama_sampler_free}); a grammar llama.cpp cannot parse is a 400. Its
     * penalties have seen the {@code prompt} already, as llama-server's do (a reply does not repeat the question
     * unpenalised); the grammar has not.
     */
    static MemorySegment create(LoadedModel model, SamplingParams p, int[] prompt) {
        int vocabSize = model.info().vocabSize();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment chain = Llama.samplerChainInit(Llama.samplerChainDefaultParams(call));
            try {
                if (p.grammar() != null) {
                    var grammar = LlamaLog.capturingErrors(() -> Llama.samplerGrammar(model.vocab(),
                            call.allocateFrom(p.grammar()), call.allocateFrom("root")));
                    if (MemorySegment.NULL.equals(grammar.value())) {
                        throw Problem.badInput("the grammar does not parse: "
                                + grammar.reason("llama.cpp rejected it"));
                    }
                    Llama.samplerChainAdd(chain, grammar.value());
                }
                if (!p.logitBias().isEmpty()) {
                    MemorySegment biases = call.allocate(LlamaStructs.LOGIT_BIAS, p.logitBias().size());
                    int i = 0;
                    for (Map.Entry<Integer, Float> e : p.logitBias().entrySet()) {
                        model.checkTokens(new int[] {e.getKey()}, "logit_bias");
                        MemorySegment entry = biases.asSlice(i++ * LlamaStructs.LOGIT_BIAS.byteSize(), LlamaStructs.LOGIT_BIAS);
                        LlamaStructs.field(LlamaStructs.LOGIT_BIAS, "token").set(entry, 0L, e.getKey());
                        // OpenAI's -100 means "ban": make it certain, whatever the logits' scale.
                        float bias = e.getValue() <= -100f ? Float.NEGATIVE_INFINITY : e.getValue();
                        LlamaStructs.field(LlamaStructs.LOGIT_BIAS, "bias").set(entry, 0L, bias);
                    }
                    Llama.samplerChainAdd(chain, Llama.samplerLogitBias(vocabSize, p.logitBias().size(), biases));
                }
                if (p.penalised()) {
                    int lastN = p.penaltyLastN() < 0 ? model.info().slotContext() : p.penaltyLastN();
                    MemorySegment penalties = Llama.samplerPenalties(vocabSize, lastN, p.repeatPenalty(),
                            p.frequencyPenalty(), p.presencePenalty());
                    for (int i = Math.max(0, prompt.length - lastN); i < prompt.length; i++) {
                        Llama.samplerAccept(penalties, prompt[i]);
                    }
                    Llama.samplerChainAdd(chain, penalties);
                }
                if (p.temperature() <= 0f) {
                    Llama.samplerChainAdd(chain, Llama.samplerGreedy());
                    return chain;
                }
                if (p.topK() > 0) {
                    Llama.samplerChainAdd(chain, Llama.samplerTopK(p.topK()));
                }
                if (p.topP() < 1f) {
                    Llama.samplerChainAdd(chain, Llama.samplerTopP(p.topP()));
                }
                if (p.minP() > 0f) {
                    Llama.samplerChainAdd(chain, Llama.samplerMinP(p.minP()));
                }
                Llama.samplerChainAdd(chain, Llama.samplerTemp(p.temperature()));
                Llama.samplerChainAdd(chain, Llama.samplerDist(p.seed() == null ? Llama.DEFAULT_SEED : (int) (long) p.seed()));
                return chain;
            } catch (RuntimeException e) {
                Llama.samplerFree(chain);
                throw e;
            }
        }
    }
}
