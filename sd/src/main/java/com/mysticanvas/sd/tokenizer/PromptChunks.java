package com.mysticanvas.sd.tokenizer;

import java.util.List;

/**
 * A prompt in A1111 syntax turned into 77-token windows with per-token weights: {@code (word:1.3)},
 * {@code (word)} = 1.1, {@code [word]} = 1/1.1, escapes {@code \(}; longer prompts become several
 * windows of 75 tokens plus start/end, padded with the end token. CONTRACT (sd-maths).
 *
 * @param tokens  per window, 77 ids
 * @param weights per window, 77 weights (1.0 for start/end/padding)
 */
public record PromptChunks(List<int[]> tokens, List<float[]> weights) {
    public static PromptChunks of(ClipTokenizer tokenizer, String prompt) {
        throw new UnsupportedOperationException("prompt weighting not implemented yet (issue 6)");
    }
}
