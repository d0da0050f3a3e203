package com.mysticanvas.sd.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A prompt in A1111 syntax turned into 77-token windows with per-token weights: {@code (word:1.3)},
 * {@code (word)} = 1.1, {@code [word]} = 1/1.1, escapes {@code \(}; longer prompts become several
 * windows of 75 tokens plus start/end, padded with the end token.
 *
 * <p>Windows are cut as A1111 cuts them: {@code BREAK} starts a new window, and when a window fills up
 * within 20 tokens after a comma, the text after the comma moves to the next window so that phrases
 * stay whole. {@code <lora:…>} tags are not removed here: take them out first with {@link LoraTags}.
 * The text encoder multiplies each token's output by its weight and then restores the original mean,
 * as A1111 does.
 *
 * @param tokens  per window, 77 ids
 * @param weights per window, 77 weights (1.0 for start/end/padding)
 */
public record PromptChunks(List<int[]> tokens, List<float[]> weights) {
    /** Tokens between the start and end token of a window. */
    public static final int WINDOW_TEXT_TOKENS = 75;
    public static final int WINDOW_TOKENS = WINDOW_TEXT_TOKENS + 2;
    /** A1111's {@code comma_padding_backtrack} default. */
    static final int COMMA_BACKTRACK = 20;

    public PromptChunks {
        tokens = List.copyOf(tokens);
        weights = List.copyOf(weights);
    }

    public static PromptChunks of(ClipTokenizer tokenizer, String prompt) {
        return new Builder(tokenizer).build(PromptAttention.parse(prompt));
    }

    /** Number of windows (the text encoder runs once per window). */
    public int windows() {
        return tokens.size();
    }

    /** Fills windows token by token, following A1111's {@code tokenize_line}. */
    private static final class Builder {
        private final ClipTokenizer tokenizer;
        private final int comma;
        private final List<int[]> tokens = new ArrayList<>();
        private final List<float[]> weights = new ArrayList<>();
        private final int[] ids = new int[WINDOW_TEXT_TOKENS];
        private final float[] mults = new float[WINDOW_TEXT_TOKENS];
        private int length;
        private int lastComma = -1;

        Builder(ClipTokenizer tokenizer) {
            this.tokenizer = tokenizer;
            this.comma = tokenizer.tokenId(",</w>").orElse(-1);
        }

        PromptChunks build(List<PromptAttention.Segment> segments) {
            for (PromptAttention.Segment segment : segments) {
                switch (segment) {
                    case PromptAttention.Break b -> closeWindow();
                    case PromptAttention.Text(String text, double weight) -> add(tokenizer.encode(text), (float) weight);
                }
            }
            if (length > 0 || tokens.isEmpty()) {
                closeWindow();
            }
            return new PromptChunks(tokens, weights);
        }

        private void add(int[] text, float weight) {
            for (int token : text) {
                if (token == comma) {
                    lastComma = length;
                } else if (length == WINDOW_TEXT_TOKENS && lastComma != -1 && length - lastComma <= COMMA_BACKTRACK) {
                    // Move the words after the last comma into the next window.
                    int keep = lastComma + 1;
                    int[] movedIds = Arrays.copyOfRange(ids, keep, length);
                    float[] movedMults = Arrays.copyOfRange(mults, keep, length);
                    length = keep;
                    closeWindow();
                    System.arraycopy(movedIds, 0, ids, 0, movedIds.length);
                    System.arraycopy(movedMults, 0, mults, 0, movedMults.length);
                    length = movedIds.length;
                }
                if (length == WINDOW_TEXT_TOKENS) {
                    closeWindow();
                }
                ids[length] = token;
                mults[length] = weight;
                length++;
            }
        }

        private void closeWindow() {
            int[] window = new int[WINDOW_TOKENS];
            float[] w = new float[WINDOW_TOKENS];
            Arrays.fill(window, tokenizer.endToken());
            Arrays.fill(w, 1f);
            window[0] = tokenizer.startToken();
            System.arraycopy(ids, 0, window, 1, length);
            System.arraycopy(mults, 0, w, 1, length);
            tokens.add(window);
            weights.add(w);
            length = 0;
            lastComma = -1;
        }
    }
}
