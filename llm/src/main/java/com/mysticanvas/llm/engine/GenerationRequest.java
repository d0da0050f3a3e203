package com.mysticanvas.llm.engine;

import java.util.List;

/**
 * One generation: how to sample, when to stop.
 *
 * @param sampling  sampler settings
 * @param maxTokens most tokens to generate (also bounded by the slot's context)
 * @param stop      strings that end the generation (not included in the text)
 */
public record GenerationRequest(SamplingParams sampling, int maxTokens, List<String> stop) {
    public GenerationRequest {
        stop = List.copyOf(stop);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive");
        }
    }
}
