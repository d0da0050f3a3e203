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
 * @param logprobs    -1: none; else each token's log probability and this many of the likeliest ({@link
 *                    GenerationEvent.Logprob}), at most {@link #MAX_LOGPROBS}
 * @param minReply    tokens the context must have room for after the prompt (a prompt that leaves less is refused
 *                    as too long); at most half the request's context counts
 */
public record GenerationRequest(SamplingParams sampling, int maxTokens, List<String> stop, boolean specialText,
                                int logprobs, int minReply) {
    /** OpenAI's largest {@code top_logprobs}. */
    public static final int MAX_LOGPROBS = 20;

    public GenerationRequest {
        stop = List.copyOf(stop);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive");
        }
        if (minReply < 0) {
            throw new IllegalArgumentException("minReply must not be negative");
        }
        if (logprobs < -1 || logprobs > MAX_LOGPROBS) {
            throw new IllegalArgumentException("logprobs must be -1 to " + MAX_LOGPROBS);
        }
    }

    public GenerationRequest(SamplingParams sampling, int maxTokens, List<String> stop) {
        this(sampling, maxTokens, stop, false, -1, 0);
    }

    public GenerationRequest withMaxTokens(int n) {
        return new GenerationRequest(sampling, n, stop, specialText, logprobs, minReply);
    }

    public GenerationRequest withSpecialText(boolean on) {
        return new GenerationRequest(sampling, maxTokens, stop, on, logprobs, minReply);
    }

    public GenerationRequest withLogprobs(int top) {
        return new GenerationRequest(sampling, maxTokens, stop, specialText, top, minReply);
    }

    public GenerationRequest withMinReply(int tokens) {
        return new GenerationRequest(sampling, maxTokens, stop, specialText, logprobs, tokens);
    }
}
