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
 * <p>Textual-inversion embeddings are found as A1111 finds them: where the tokens of an embedding's name appear in
 * a segment (the longest name first), they give way to as many placeholder positions as the embedding has
 * vectors, which the text encoder fills with those vectors; an embedding never straddles two windows.
 *
 * @param tokens  per window, 77 ids
 * @param weights per window, 77 weights (1.0 for start/end/padding)
 * @param fixes   per window, the embeddings placed in it
 */
public record PromptChunks(List<int[]> tokens, List<float[]> weights, List<List<Fix>> fixes) {
    /** A textual-inversion embedding a prompt may name: its name's tokens and how many vectors it has. */
    public record Embedding(String name, int[] nameTokens, int vectors) {}

    /** An embedding placed in a window: its vectors go at {@code position} (0 = the start token) onwards. */
    public record Fix(int position, Embedding embedding) {}

    /** Tokens between the start and end token of a window. */
    public static final int WINDOW_TEXT_TOKENS = 75;
    public static final int WINDOW_TOKENS = WINDOW_TEXT_TOKENS + 2;
    /** A1111's {@code comma_padding_backtrack} default. */
    static final int COMMA_BACKTRACK = 20;

    public PromptChunks {
        tokens = List.copyOf(tokens);
        weights = List.copyOf(weights);
        fixes = fixes.stream().map(List::copyOf).toList();
    }

    public static PromptChunks of(ClipTokenizer tokenizer, String prompt) {
        return of(tokenizer, prompt, List.of());
    }

    /** The windows of {@code prompt}, with the {@code embeddings} it names placed in them. */
    public static PromptChunks of(ClipTokenizer tokenizer, String prompt, List<Embedding> embeddings) {
        return new Builder(tokenizer, embeddings).build(PromptAttention.parse(prompt));
    }

    /** Number of windows (the text encoder runs once per window). */
    public int windows() {
        return tokens.size();
    }

    /** Fills windows token by token, following A1111's {@code tokenize_line}. */
    private static final class Builder {
        private final ClipTokenizer tokenizer;
        private final int comma;
        private final List<Embedding> embeddings;
        private final List<int[]> tokens = new ArrayList<>();
        private final List<float[]> weights = new ArrayList<>();
        private final List<List<Fix>> fixes = new ArrayList<>();
        private List<Fix> windowFixes = new ArrayList<>();
        private final int[] ids = new int[WINDOW_TEXT_TOKENS];
        private final float[] mults = new float[WINDOW_TEXT_TOKENS];
        private int length;
        private int lastComma = -1;

        Builder(ClipTokenizer tokenizer, List<Embedding> embeddings) {
            this.tokenizer = tokenizer;
            // Longest names first, so "style-long" wins over "style" where both match.
            this.embeddings = embeddings.stream().filter(e -> e.nameTokens().length > 0)
                    .sorted((a, b) -> b.nameTokens().length - a.nameTokens().length).toList();
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
            return new PromptChunks(tokens, weights, fixes);
        }

        private void add(int[] text, float weight) {
            for (int at = 0; at < text.length; at++) {
                int token = text[at];
                if (token == comma) {
                    lastComma = length;
                } else if (length == WINDOW_TEXT_TOKENS && lastComma != -1 && length - lastComma <= COMMA_BACKTRACK) {
                    // Move the words after the last comma into the next window.
                    int keep = lastComma + 1;
                    int[] movedIds = Arrays.copyOfRange(ids, keep, length);
                    float[] movedMults = Arrays.copyOfRange(mults, keep, length);
                    // Embeddings among the moved words move with them (A1111 leaves them behind, a bug).
                    List<Fix> movedFixes = windowFixes.stream().filter(f -> f.position() > keep).toList();
                    windowFixes.removeAll(movedFixes);
                    length = keep;
                    closeWindow();
                    System.arraycopy(movedIds, 0, ids, 0, movedIds.length);
                    System.arraycopy(movedMults, 0, mults, 0, movedMults.length);
                    length = movedIds.length;
                    movedFixes.forEach(f -> windowFixes.add(new Fix(f.position() - keep, f.embedding())));
                }
                if (length == WINDOW_TEXT_TOKENS) {
                    closeWindow();
                }
                Embedding embedding = embeddingAt(text, at);
                if (embedding == null) {
                    ids[length] = token;
                    mults[length] = weight;
                    length++;
                    continue;
                }
                int n = Math.min(embedding.vectors(), WINDOW_TEXT_TOKENS);
                if (length + n > WINDOW_TEXT_TOKENS) {
                    closeWindow();
                }
                windowFixes.add(new Fix(length + 1, embedding));
                for (int j = 0; j < n; j++) { // placeholders (A1111's token 0), replaced by the vectors
                    ids[length] = 0;
                    mults[length] = weight;
                    length++;
                }
                at += embedding.nameTokens().length - 1;
            }
        }

        /** The embedding whose name's tokens start at {@code at}, or null. */
        private Embedding embeddingAt(int[] text, int at) {
            for (Embedding e : embeddings) {
                int[] name = e.nameTokens();
                if (at + name.length <= text.length && Arrays.equals(text, at, at + name.length, name, 0, name.length)) {
                    return e;
                }
            }
            return null;
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
            fixes.add(windowFixes);
            windowFixes = new ArrayList<>();
            length = 0;
            lastComma = -1;
        }
    }
}
