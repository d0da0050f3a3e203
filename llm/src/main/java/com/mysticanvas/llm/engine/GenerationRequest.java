package com.mysticanvas.llm.engine;

import java.util.List;

/**
 * One generation: how to sample, when to stop.
 *
 * @param sampling  sampler settings
 * @param maxTokens most tokens to generate (also bounded by the slot's context)
 * @param stop      strings that end the generation (not included in the text)
 * @param specialText whether control tokens (other than end-of-generation) come out as their text, for replies
 *                    whose markers (thoughts, tool calls, channels) are control tokens
 */
public record GenerationRequest(SamplingParams sampling, int maxTokens, List<String> stop, boolean specialText) {
    public GenerationRequest {
        stop = List.copyOf(stop);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive");
        }
    }

    public GenerationRequest(SamplingParams sampling, int maxTokens, List<String> stop) {
        this(sampling, maxTokens, stop, false);
    }

    public GenerationRequest withMaxTokens(int n) {
        return new GenerationRequest(sampling, n, stop, specialText);
    }

    public GenerationRequest withSpecialText(boolean on) {
        return new GenerationRequest(sampling, maxTokens, stop, on);
    }
}
