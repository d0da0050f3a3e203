package com.mysticanvas.llm.engine;

import java.util.Map;

/**
 * How the next token is chosen; OpenAI/llama.cpp meanings. Validated by the caller (the HTTP layer).
 *
 * @param temperature      0 = greedy
 * @param topP             1 = off
 * @param topK             0 = off
 * @param minP             0 = off
 * @param seed             null = random
 * @param repeatPenalty    1 = off
 * @param presencePenalty  0 = off
 * @param frequencyPenalty 0 = off
 * @param penaltyLastN     how many recent tokens the penalties look at (-1 = the whole context)
 * @param logitBias        token id to additive bias (-100 bans, OpenAI scale)
 * @param grammar          GBNF with root rule {@code root}, or null
 */
public record SamplingParams(float temperature, float topP, int topK, float minP, Long seed, float repeatPenalty,
                             float presencePenalty, float frequencyPenalty, int penaltyLastN,
                             Map<Integer, Float> logitBias, String grammar) {
    public static final SamplingParams DEFAULTS =
            new SamplingParams(0.8f, 0.95f, 40, 0.05f, null, 1f, 0f, 0f, 64, Map.of(), null);

    public SamplingParams {
        logitBias = Map.copyOf(logitBias);
    }

    boolean penalised() {
        return repeatPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f;
    }

    public SamplingParams withGrammar(String gbnf) {
        return new SamplingParams(temperature, topP, topK, minP, seed, repeatPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, logitBias, gbnf);
    }
}
