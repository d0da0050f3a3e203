package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PromptChunksTest {
    private static final int START = 49406;
    private static final int END = 49407;
    private static final int CAT = 2368;
    private static final int DOG = 1929;
    private static final int COMMA = 267;
    private final ClipTokenizer clip = ClipTokenizer.bundled();

    private static int[] window(int... text) {
        int[] w = new int[77];
        Arrays.fill(w, END);
        w[0] = START;
        System.arraycopy(text, 0, w, 1, text.length);
        return w;
    }

    private static int[] repeat(int token, int times) {
        int[] out = new int[times];
        Arrays.fill(out, token);
        return out;
    }

    @Test
    void embeddingsTakeOnePlaceholderPerVectorTheLongestNameFirstAndNeverStraddleWindows() {
        PromptChunks.Embedding style = new PromptChunks.Embedding("style", clip.encode("style"), 3);
        PromptChunks.Embedding styleTwo = new PromptChunks.Embedding("style two", clip.encode("style two"), 2);
        PromptChunks chunks = PromptChunks.of(clip, "a (style two:1.5) cat style", java.util.List.of(style, styleTwo));
        assertThat(chunks.tokens().getFirst()).containsExactly(window(320, 0, 0, CAT, 0, 0, 0));
        assertThat(chunks.fixes().getFirst()).containsExactly(new PromptChunks.Fix(2, styleTwo), new PromptChunks.Fix(5, style));
        assertThat(chunks.weights().getFirst()[2]).isEqualTo(1.5f);
        assertThat(chunks.weights().getFirst()[3]).isEqualTo(1.5f);

        // 74 cats leave one place: a 3-vector embedding goes whole into the next window.
        PromptChunks full = PromptChunks.of(clip, "cat ".repeat(74) + "style", java.util.List.of(style));
        assertThat(full.windows()).isEqualTo(2);
        assertThat(full.fixes().get(0)).isEmpty();
        assertThat(full.fixes().get(1)).containsExactly(new PromptChunks.Fix(1, style));
        assertThat(full.tokens().get(1)).containsExactly(window(0, 0, 0));
        // A window moved on after a comma takes its embeddings with it.
        PromptChunks moved = PromptChunks.of(clip, "cat ".repeat(70) + ", style dog dog dog", java.util.List.of(style));
        assertThat(moved.fixes().get(0)).isEmpty();
        assertThat(moved.fixes().get(1)).containsExactly(new PromptChunks.Fix(1, style));
        assertThat(moved.tokens().get(1)).containsExactly(window(0, 0, 0, DOG, DOG, DOG));
    }

    @Test
    void aShortPromptFillsOneWindowPaddedWithTheEndToken() {
        PromptChunks chunks = PromptChunks.of(clip, "a photo of a cat");
        assertThat(chunks.windows()).isEqualTo(1);
        assertThat(chunks.tokens().getFirst()).containsExactly(window(320, 1125, 539, 320, 2368));
        float[] ones = new float[77];
        Arrays.fill(ones, 1f);
        assertThat(chunks.weights().getFirst()).containsExactly(ones);
    }

    @Test
    void anEmptyPromptIsOneEmptyWindow() {
        PromptChunks chunks = PromptChunks.of(clip, "");
        assertThat(chunks.tokens()).hasSize(1);
        assertThat(chunks.tokens().getFirst()).containsExactly(window());
    }

    @Test
    void weightsFollowTheirTokensAndSpecialsStayAtOne() {
        PromptChunks chunks = PromptChunks.of(clip, "a (cat:1.5) [dog]");
        assertThat(chunks.tokens().getFirst()).startsWith(START, 320, CAT, DOG, END);
        float[] w = chunks.weights().getFirst();
        assertThat(w[0]).isEqualTo(1f);
        assertThat(w[1]).isEqualTo(1f);
        assertThat(w[2]).isEqualTo(1.5f);
        assertThat(w[3]).isEqualTo((float) (1 / 1.1));
        assertThat(w[4]).isEqualTo(1f);
        assertThat(w[76]).isEqualTo(1f);
    }

    @Test
    void longPromptsSpillIntoMoreWindows() {
        PromptChunks chunks = PromptChunks.of(clip, "cat ".repeat(100));
        assertThat(chunks.windows()).isEqualTo(2);
        assertThat(chunks.tokens().get(0)).containsExactly(window(repeat(CAT, 75)));
        assertThat(chunks.tokens().get(1)).containsExactly(window(repeat(CAT, 25)));
        assertThat(PromptChunks.of(clip, "cat ".repeat(150)).windows()).isEqualTo(2);
        assertThat(PromptChunks.of(clip, "cat ".repeat(151)).windows()).isEqualTo(3);
    }

    @Test
    void aFullWindowMovesTheWordsAfterTheLastCommaToTheNextWindow() {
        PromptChunks chunks = PromptChunks.of(clip, "cat ".repeat(70) + ", " + "dog ".repeat(10));
        assertThat(chunks.windows()).isEqualTo(2);
        int[] first = new int[71];
        Arrays.fill(first, 0, 70, CAT);
        first[70] = COMMA;
        assertThat(chunks.tokens().get(0)).containsExactly(window(first));
        assertThat(chunks.tokens().get(1)).containsExactly(window(repeat(DOG, 10)));
    }

    @Test
    void aCommaTooFarBackDoesNotMoveWords() {
        PromptChunks chunks = PromptChunks.of(clip, "cat ".repeat(30) + ", " + "dog ".repeat(50));
        int[] first = new int[75];
        Arrays.fill(first, 0, 30, CAT);
        first[30] = COMMA;
        Arrays.fill(first, 31, 75, DOG);
        assertThat(chunks.tokens().get(0)).containsExactly(window(first));
        assertThat(chunks.tokens().get(1)).containsExactly(window(repeat(DOG, 6)));
    }

    @Test
    void breakStartsANewWindow() {
        PromptChunks chunks = PromptChunks.of(clip, "a cat BREAK a dog");
        assertThat(chunks.tokens()).hasSize(2);
        assertThat(chunks.tokens().get(0)).containsExactly(window(320, CAT));
        assertThat(chunks.tokens().get(1)).containsExactly(window(320, DOG));
    }


    @Test
    void aTinyVocabularyPadsWithItsOwnEndToken(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nc a\nca t</w>\n");
        java.nio.file.Files.writeString(dir.resolve("vocab.json"),
                "{\"c\":0,\"a\":1,\"t</w>\":2,\"ca\":3,\"cat</w>\":4,\"<|startoftext|>\":5,\"<|endoftext|>\":6}");
        int[] w = PromptChunks.of(ClipTokenizer.load(dir), "cat").tokens().getFirst();
        assertThat(w[0]).isEqualTo(5);
        assertThat(w[1]).isEqualTo(4);
        assertThat(Arrays.copyOfRange(w, 2, 77)).containsOnly(6);
    }
}
