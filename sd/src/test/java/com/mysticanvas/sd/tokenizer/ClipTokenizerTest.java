package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tokenizer on CLIP's real merges file. Expected ids were cross-checked against CLIP's published
 * reference tokenizer (simple_tokenizer.py) run on the same file.
 */
class ClipTokenizerTest {
    private final ClipTokenizer clip = ClipTokenizer.bundled();

    @Test
    void encodesThePhotoOfACatExample() {
        assertThat(clip.encode("a photo of a cat")).containsExactly(320, 1125, 539, 320, 2368);
        assertThat(clip.startToken()).isEqualTo(49406);
        assertThat(clip.endToken()).isEqualTo(49407);
        assertThat(clip.vocabularySize()).isEqualTo(49408);
    }

    static Object[][] referenceCases() {
        return new Object[][] {
            {"Hello, World!", new int[] {3306, 267, 1002, 256}},
            {"it's a dog's life, isn't it?", new int[] {585, 568, 320, 1929, 568, 970, 267, 2923, 713, 585, 286}},
            {"I'LL WE'VE THEY'RE YOU'D", new int[] {328, 1342, 649, 1200, 889, 982, 592, 1896}},
            {"  many    spaces\there \n\n and lines  ", new int[] {1346, 9006, 763, 537, 3418}},
            {"1girl, 42 cats, 3.14159", new int[] {272, 1611, 267, 275, 273, 3989, 267, 274, 269, 272, 275, 272, 276, 280}},
            {"café naïve 東京 🐱 emoji", new int[] {15304, 1097, 35689, 563, 48338, 21078, 361, 22979, 16327}},
            {"masterpiece, best quality, (detailed:1.2)", new int[] {12066, 267, 949, 3027, 267, 263, 12609, 281, 272, 269, 273, 264}},
            {"Tom &amp;amp; Jerry &lt;3", new int[] {2435, 261, 9164, 283, 274}},
            {"supercalifragilisticexpialidocious", new int[] {1642, 2857, 13093, 2076, 5868, 26850, 835, 639, 38466}},
            {"<|startoftext|>hi<|endoftext|>", new int[] {49406, 1883, 49407}},
            {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", new int[] {23126, 23126, 23126, 23126, 23126, 23126, 23126, 320}},
            {"Straße ΣΊΣΥΦΟΣ", new int[] {1894, 127, 253, 324, 139, 225, 138, 107, 139, 225, 139, 227, 139, 228, 138, 123, 139, 480}},
            // Final sigma as Python lower-cases it: before a digit it is final, before ".b" it is not.
            {"ΟΔΥΣΣΕΑΣ2 aΣ.b", new int[] {138, 123, 138, 112, 139, 227, 139, 225, 139, 225, 138, 113, 138, 109, 139, 480, 273, 64, 139, 481, 269, 321}},
            {"!!!??? ... ,,, --", new int[] {11194, 3824, 678, 14811, 2432}},
            {"l'été à paris", new int[] {331, 262, 3459, 39694, 21259, 3445}},
            {"", new int[0]},
            {"   \t\n ", new int[0]},
        };
    }

    @ParameterizedTest
    @MethodSource("referenceCases")
    void matchesClipsReferenceTokenizer(String text, int[] expected) {
        assertThat(clip.encode(text)).containsExactly(expected);
    }

    @Test
    void cleansLikeFtfyBeforeTokenizing() {
        assertThat(clip.encode("it’s “quoted”")).containsExactly(clip.encode("it's \"quoted\""));
        assertThat(clip.encode("ｆｕｌｌ\u3000ｗｉｄｔｈ")).containsExactly(clip.encode("full width"));
        assertThat(clip.encode("\uFB01ne \uFEFFcat\u0007")).containsExactly(clip.encode("fine cat"));
        assertThat(clip.encode("cafe\u0301")).containsExactly(clip.encode("café"));
        assertThat(clip.encode("a&nbsp;b &#x41; &#66;")).containsExactly(clip.encode("a b a b"));
        assertThat(clip.encode("lone \uD800 surrogate")).containsExactly(clip.encode("lone surrogate"));
    }

    @Test
    void longWordsTokenizeInLinearishTime() {
        String word = "ab".repeat(50_000);
        long start = System.nanoTime();
        int[] ids = clip.encode(word);
        assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
        assertThat(ids).isNotEmpty().doesNotContain(clip.endToken());
    }

    @Test
    void loadsVocabJsonAndMergesTxtLikeTheBundledFile(@TempDir Path dir) throws IOException {
        String merges;
        try (InputStream in = new GZIPInputStream(ClipTokenizer.class.getResourceAsStream(ClipTokenizer.BUNDLED_RESOURCE))) {
            merges = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        String[] lines = merges.split("\n");
        StringBuilder mergesTxt = new StringBuilder("#version: 0.2\n");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String c : ByteAlphabet.vocabularyOrder()) {
            vocab.put(c, vocab.size());
        }
        for (String c : ByteAlphabet.vocabularyOrder()) {
            vocab.put(c + "</w>", vocab.size());
        }
        for (int i = 1; i <= ClipTokenizer.MAX_MERGES; i++) {
            mergesTxt.append(lines[i]).append('\n');
            vocab.put(lines[i].replace(" ", ""), vocab.size());
        }
        vocab.put(ClipTokenizer.START_OF_TEXT, vocab.size());
        vocab.put(ClipTokenizer.END_OF_TEXT, vocab.size());
        Files.writeString(dir.resolve("merges.txt"), mergesTxt);
        Files.writeString(dir.resolve("vocab.json"), Json.write(vocab));

        assertThat(ClipTokenizer.isTokenizerFolder(dir)).isTrue();
        ClipTokenizer fromFiles = ClipTokenizer.load(dir);
        for (Object[] c : referenceCases()) {
            assertThat(fromFiles.encode((String) c[0])).containsExactly((int[]) c[1]);
        }
    }

    @Test
    void loadsTheGzippedClipFileFromAFolder(@TempDir Path dir) throws IOException {
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(ClipTokenizer.BUNDLED_RESOURCE)) {
            Files.copy(in, dir.resolve(ClipTokenizer.BUNDLED_RESOURCE));
        }
        assertThat(ClipTokenizer.load(dir).encode("a photo of a cat")).containsExactly(320, 1125, 539, 320, 2368);
    }

    @Test
    void aTinyVocabularyUsesItsOwnIdsAndEndOfTextForUnknownPieces(@TempDir Path dir) throws IOException {
        // Bytes "c", "a", "t" plus their word-final forms, two merges and the specials, with ids of our choosing.
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nc a\nca t</w>\n");
        Files.writeString(dir.resolve("vocab.json"), """
                {"c": 0, "a": 1, "t": 2, "t</w>": 3, "ca": 4, "cat</w>": 5, "<|startoftext|>": 6, "<|endoftext|>": 7}""");
        ClipTokenizer tiny = ClipTokenizer.load(dir);
        assertThat(tiny.startToken()).isEqualTo(6);
        assertThat(tiny.endToken()).isEqualTo(7);
        assertThat(tiny.vocabularySize()).isEqualTo(8);
        assertThat(tiny.encode("Cat cat")).containsExactly(5, 5);
        assertThat(tiny.encode("cab")).containsExactly(4, 7); // "b</w>" is not in this vocabulary
    }

    @Test
    void badFoldersAndFilesAreNamedInTheError(@TempDir Path dir) throws IOException {
        assertThat(ClipTokenizer.isTokenizerFolder(dir)).isFalse();
        assertThatThrownBy(() -> ClipTokenizer.load(dir)).isInstanceOf(IOException.class).hasMessageContaining("no CLIP tokenizer");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\n");
        Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
        assertThatThrownBy(() -> ClipTokenizer.load(dir)).isInstanceOf(IOException.class).hasMessageContaining("vocab.json");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
        assertThatThrownBy(() -> ClipTokenizer.load(dir)).isInstanceOf(IOException.class).hasMessageContaining("<|startoftext|>");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b c\n");
        assertThatThrownBy(() -> ClipTokenizer.load(dir)).isInstanceOf(IOException.class).hasMessageContaining("line 2");
    }
}
