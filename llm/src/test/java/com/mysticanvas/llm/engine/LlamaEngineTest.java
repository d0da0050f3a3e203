package com.mysticanvas.llm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.synth.LlmSynthModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine on real llama.cpp with the tiny synthetic model. */
class LlamaEngineTest {
    @TempDir
    static Path dir;
    static Path tiny;
    static LlamaEngine engine;

    @BeforeAll
    static void start() throws Exception {
        tiny = LlmSynthModels.writeTiny(dir);
        engine = new LlamaEngine(1, 4, 0);
        engine.load(tiny, "tiny-llama.gguf", new LoadOptions(2048, 1, 0, 2));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static PromptSource text(String s) {
        return m -> m.tokenize(s, false, false);
    }

    static GenerationRequest greedy(int maxTokens, List<String> stop) {
        return new GenerationRequest(new SamplingParams(0f, 1f, 0, 0f, null, 1f, 0f, 0f, 64, noEog(), null),
                maxTokens, stop);
    }

    /** Bans the end-of-generation tokens, so random weights cannot end a test's generation early. */
    static Map<Integer, Float> noEog() {
        var bpe = LlmSynthModels.vocabulary();
        return Map.of(bpe.id("<|im_end|>"), -100f, bpe.id("<|endoftext|>"), -100f);
    }

    @Test
    void loadReportsTheModel() {
        ModelInfo info = engine.status().model();
        assertThat(info.file()).isEqualTo("tiny-llama.gguf");
        assertThat(info.slots()).isEqualTo(2);
        assertThat(info.slotContext()).as("the whole n_ctx: the slots share one KV cache").isEqualTo(2048);
        assertThat(info.generates()).isTrue();
        assertThat(info.chatTemplate()).contains("<|im_start|>");
    }

    @Test
    void generatesUntilMaxTokensWithLengthReason() throws Exception {
        Collected c = Collected.drain(engine.submit(text("Hello there"), greedy(12, List.of())));
        assertThat(c.failure()).isNull();
        assertThat(c.reason()).isEqualTo(FinishReason.LENGTH);
        assertThat(c.usage().completionTokens()).isEqualTo(12);
        assertThat(c.usage().promptTokens()).isPositive();
        assertThat(c.text()).isNotEmpty();
    }

    /** As llama-server's, the penalties count the prompt's tokens: a token the prompt repeats is held back. */
    @Test
    void penaltiesSeeThePrompt() throws Exception {
        int favoured = 300;
        Map<Integer, Float> bias = new java.util.HashMap<>(noEog());
        bias.put(favoured, 20f);
        SamplingParams p = new SamplingParams(0f, 1f, 0, 0f, null, 1f, 0f, 2f, 64, bias, null);
        int[] hello = engine.withModel(m -> m.tokenize("Hello there", false, false));
        int[] repeated = java.util.Arrays.copyOf(hello, hello.length + 20);
        java.util.Arrays.fill(repeated, hello.length, repeated.length, favoured);
        GenerationRequest one = new GenerationRequest(p, 1, List.of()).withLogprobs(0);
        Collected fresh = Collected.drain(engine.submit(m -> hello, one));
        assertThat(fresh.logprobs().getFirst().token().bytes())
                .as("the bias wins when the prompt lacks the token").isEqualTo(piece(favoured));
        Collected penalised = Collected.drain(engine.submit(m -> repeated, one));
        assertThat(penalised.logprobs().getFirst().token().bytes())
                .as("20 times in the prompt: frequency penalty 40 beats the bias of 20").isNotEqualTo(piece(favoured));
    }

    private byte[] piece(int token) {
        return engine.withModel(m -> m.piece(token, false));
    }

    @Test
    void logprobsComeWithEveryTokenFromTheRawDistribution() throws Exception {
        Collected c = Collected.drain(engine.submit(text("Hello there"), greedy(12, List.of()).withLogprobs(3)));
        assertThat(c.logprobs()).hasSize(c.usage().completionTokens());
        StringBuilder text = new StringBuilder();
        for (GenerationEvent.Logprob l : c.logprobs()) {
            assertThat(l.token().logprob()).isNegative();
            assertThat(l.top()).hasSize(3);
            assertThat(l.top().get(0).logprob()).isGreaterThanOrEqualTo(l.top().get(1).logprob())
                    .isGreaterThanOrEqualTo(l.top().get(2).logprob()).isGreaterThanOrEqualTo(l.token().logprob());
            assertThat(l.top().stream().mapToDouble(t -> Math.exp(t.logprob())).sum()).isLessThanOrEqualTo(1 + 1e-9);
            text.append(l.token().text());
        }
        assertThat(text.toString()).isEqualTo(c.text());
        assertThat(Collected.drain(engine.submit(text("Hello there"), greedy(4, List.of()))).logprobs()).isEmpty();
    }

    @Test
    void sameSeedSameText() throws Exception {
        SamplingParams seeded = new SamplingParams(1.0f, 0.95f, 40, 0.05f, 42L, 1.1f, 0.1f, 0.1f, 64, noEog(), null);
        GenerationRequest r = new GenerationRequest(seeded, 24, List.of());
        String a = Collected.drain(engine.submit(text("The painter"), r)).text();
        String b = Collected.drain(engine.submit(text("The painter"), r)).text();
        GenerationRequest other = new GenerationRequest(new SamplingParams(1.0f, 0.95f, 40, 0.05f, 43L, 1.1f, 0.1f,
                0.1f, 64, noEog(), null), 24, List.of());
        String c = Collected.drain(engine.submit(text("The painter"), other)).text();
        assertThat(a).isNotEmpty().isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void stopStringEndsTheTextBeforeIt() throws Exception {
        String full = Collected.drain(engine.submit(text("A garden"), greedy(40, List.of()))).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        Collected c = Collected.drain(engine.submit(text("A garden"), greedy(40, List.of(stop))));
        assertThat(c.reason()).isEqualTo(FinishReason.STOP);
        assertThat(c.text()).isEqualTo(full.substring(0, full.indexOf(stop)));
    }

    @Test
    void promptLongerThanTheSlotContextIsA400WithBothNumbers() {
        String longText = "word ".repeat(3000);
        assertThatThrownBy(() -> engine.submit(text(longText), greedy(4, List.of())))
                .isInstanceOf(Problem.class)
                .satisfies(e -> assertThat(((Problem) e).kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("3002").hasMessageContaining("2048").hasMessageContaining("tokens");
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRefusedInJava() {
        assertThatThrownBy(() -> engine.submit(m -> new int[] {1, 99999}, greedy(4, List.of())))
                .isInstanceOf(Problem.class).hasMessageContaining("99999");
    }

    @Test
    void badGrammarIsA400() {
        SamplingParams p = SamplingParams.DEFAULTS.withGrammar("root ::= (");
        assertThatThrownBy(() -> engine.submit(text("x"), new GenerationRequest(p, 4, List.of())))
                .isInstanceOf(Problem.class).hasMessageContaining("grammar");
    }

    @Test
    void grammarConstrainsTheOutput() throws Exception {
        SamplingParams p = new SamplingParams(1f, 1f, 0, 0f, 7L, 1f, 0f, 0f, 64, Map.of(), "root ::= \"yes\" | \"no\"");
        for (int i = 0; i < 5; i++) {
            Collected c = Collected.drain(engine.submit(text("Answer:"), new GenerationRequest(p, 10, List.of())));
            assertThat(c.text()).isIn("yes", "no");
        }
    }

    @Test
    void embeddingsNeedAPoolingModel() {
        assertThatThrownBy(() -> engine.withModel(m -> m.embed(m.tokenize("hi", false, false))))
                .isInstanceOf(Problem.class).hasMessageContaining("pooling");
    }

    @Test
    void tokenizerKeepsUserTextLiteral() {
        var bpe = LlmSynthModels.vocabulary();
        int imEnd = bpe.id("<|im_end|>");
        int[] plain = engine.withModel(m -> m.tokenize("a<|im_end|>b", false, false));
        int[] special = engine.withModel(m -> m.tokenize("a<|im_end|>b", false, true));
        assertThat(plain).doesNotContain(imEnd).hasSizeGreaterThan(3);
        assertThat(special).contains(imEnd);
        String back = engine.withModel(m -> m.detokenize(plain, false));
        assertThat(back).isEqualTo("a<|im_end|>b");
    }
}
