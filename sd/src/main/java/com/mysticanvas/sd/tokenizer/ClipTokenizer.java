package com.mysticanvas.sd.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer.
 * {@code encode("a photo of a cat")} gives {@code 320, 1125, 539, 320, 2368} (no start/end tokens).
 * Immutable and safe to share between threads.
 */
public final class ClipTokenizer {
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    static final String BUNDLED_RESOURCE = "bpe_simple_vocab_16e6.txt.gz";
    static final String MERGES_FILE = "merges.txt";
    static final String VOCAB_FILE = "vocab.json";
    /** CLIP keeps this many merges: a 49 408-token vocabulary less 256 bytes, their 256 word-final forms and 2 specials. */
    static final int MAX_MERGES = 49152 - 256 - 2;
    private static final int CACHE_LIMIT = 20_000;
    /** CLIP's pre-tokenizer: special tokens, English contractions, letter runs, single digits, other symbol runs. */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\p{IsWhite_Space}\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static volatile ClipTokenizer bundled;

    private final Map<String, Integer> vocabulary;
    private final BpeMerges merges;
    private final int startToken;
    private final int endToken;
    private final int vocabularySize;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> vocabulary, BpeMerges merges, String source) throws IOException {
        this.vocabulary = Map.copyOf(vocabulary);
        this.merges = merges;
        this.startToken = special(START_OF_TEXT, source);
        this.endToken = special(END_OF_TEXT, source);
        this.vocabularySize = this.vocabulary.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    private int special(String token, String source) throws IOException {
        Integer id = vocabulary.get(token);
        if (id == null) {
            throw new IOException(source + ": the vocabulary has no " + token + " token");
        }
        return id;
    }

    /** The merges file shipped in the sd module's resources (OpenAI CLIP, MIT). */
    public static ClipTokenizer bundled() {
        ClipTokenizer t = bundled;
        if (t == null) {
            synchronized (ClipTokenizer.class) {
                t = bundled;
                if (t == null) {
                    try (InputStream in = ClipTokenizer.class.getResourceAsStream(BUNDLED_RESOURCE)) {
                        if (in == null) {
                            throw new IllegalStateException("resource " + BUNDLED_RESOURCE + " is missing from the sd module");
                        }
                        t = fromClipMerges(new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8),
                                "bundled " + BUNDLED_RESOURCE);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read the bundled CLIP merges", e);
                    }
                    bundled = t;
                }
            }
        }
        return t;
    }

    /** Whether {@code dir} holds tokenizer files that {@link #load} reads. */
    public static boolean isTokenizerFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(VOCAB_FILE)) && Files.isRegularFile(dir.resolve(MERGES_FILE))
                || Files.isRegularFile(dir.resolve(BUNDLED_RESOURCE))
                || Files.isRegularFile(dir.resolve("bpe_simple_vocab_16e6.txt"));
    }

    /** From a folder holding vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt(.gz). */
    public static ClipTokenizer load(Path dir) throws IOException {
        Path vocab = dir.resolve(VOCAB_FILE);
        Path mergesTxt = dir.resolve(MERGES_FILE);
        if (Files.isRegularFile(vocab) && Files.isRegularFile(mergesTxt)) {
            return fromVocabAndMerges(vocab, mergesTxt);
        }
        Path gz = dir.resolve(BUNDLED_RESOURCE);
        if (Files.isRegularFile(gz)) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                return fromClipMerges(new String(in.readAllBytes(), StandardCharsets.UTF_8), gz.toString());
            }
        }
        Path plain = dir.resolve("bpe_simple_vocab_16e6.txt");
        if (Files.isRegularFile(plain)) {
            return fromClipMerges(Files.readString(plain), plain.toString());
        }
        throw new IOException(dir + " holds no CLIP tokenizer: expected vocab.json + merges.txt or "
                + BUNDLED_RESOURCE);
    }

    /** CLIP's own way: the vocabulary is the 256 byte characters, their word-final forms, every merge, two specials. */
    private static ClipTokenizer fromClipMerges(String text, String source) throws IOException {
        List<String[]> merges = parseMerges(text, source);
        Map<String, Integer> vocabulary = new HashMap<>();
        List<String> order = new ArrayList<>(List.of(ByteAlphabet.vocabularyOrder()));
        for (String c : ByteAlphabet.vocabularyOrder()) {
            order.add(c + BpeMerges.END_OF_WORD);
        }
        for (String[] m : merges) {
            order.add(m[0] + m[1]);
        }
        order.add(START_OF_TEXT);
        order.add(END_OF_TEXT);
        for (int i = 0; i < order.size(); i++) {
            vocabulary.put(order.get(i), i); // a repeated entry keeps its last index, as CLIP's dict(zip()) does
        }
        return new ClipTokenizer(vocabulary, new BpeMerges(merges), source);
    }

    private static ClipTokenizer fromVocabAndMerges(Path vocabFile, Path mergesFile) throws IOException {
        Map<String, Integer> vocabulary;
        try {
            vocabulary = Json.MAPPER.readValue(vocabFile.toFile(), new TypeReference<Map<String, Integer>>() {});
        } catch (JsonProcessingException e) {
            throw new IOException(vocabFile + " is not a JSON object of token ids: " + e.getOriginalMessage(), e);
        }
        if (vocabulary == null || vocabulary.containsValue(null)) {
            throw new IOException(vocabFile + " is not a JSON object of token ids");
        }
        return new ClipTokenizer(vocabulary, new BpeMerges(parseMerges(Files.readString(mergesFile), mergesFile.toString())),
                vocabFile.toString());
    }

    /** Merge lines {@code "left right"} after the {@code #version} header, at most {@link #MAX_MERGES} as CLIP reads them. */
    private static List<String[]> parseMerges(String text, String source) throws IOException {
        String[] lines = text.split("\n", -1);
        List<String[]> merges = new ArrayList<>();
        int lineNo = lines.length > 0 && lines[0].contains("#version") ? 1 : 0;
        for (; lineNo < lines.length && merges.size() < MAX_MERGES; lineNo++) {
            String line = lines[lineNo].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] pair = line.split(" ");
            if (pair.length != 2) {
                throw new IOException(source + ", line " + (lineNo + 1) + ": a merge must be two symbols separated by one space");
            }
            merges.add(pair);
        }
        if (merges.isEmpty()) {
            throw new IOException(source + " lists no merges");
        }
        return merges;
    }

    /** Token ids of the text, lower-cased and cleaned as CLIP does, without start/end tokens. */
    public int[] encode(String text) {
        String cleaned = ClipTextCleaner.clean(text);
        List<int[]> words = new ArrayList<>();
        int total = 0;
        Matcher m = PIECES.matcher(cleaned);
        while (m.find()) {
            int[] ids = encodeWord(m.group());
            words.add(ids);
            total += ids.length;
        }
        int[] out = new int[total];
        int at = 0;
        for (int[] ids : words) {
            System.arraycopy(ids, 0, out, at, ids.length);
            at += ids.length;
        }
        return out;
    }

    private int[] encodeWord(String word) {
        if (word.equals(START_OF_TEXT)) {
            return new int[] {startToken};
        }
        if (word.equals(END_OF_TEXT)) {
            return new int[] {endToken};
        }
        int[] cached = wordCache.get(word);
        if (cached != null) {
            return cached;
        }
        List<String> pieces = merges.apply(ByteAlphabet.encode(word));
        int[] ids = new int[pieces.size()];
        for (int i = 0; i < ids.length; i++) {
            // CLIP's unknown token is <|endoftext|>; only a vocabulary without all 512 byte symbols gets here.
            ids[i] = vocabulary.getOrDefault(pieces.get(i), endToken);
        }
        if (wordCache.size() >= CACHE_LIMIT) {
            wordCache.clear(); // bounded: a stream of unique words must not grow the heap forever
        }
        wordCache.put(word, ids);
        return ids;
    }

    /** The id of one vocabulary entry (e.g. {@code ",</w>"}), if present. */
    public OptionalInt tokenId(String token) {
        Integer id = vocabulary.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Number of entries in the vocabulary (the text encoder's embedding rows must cover every id). */
    public int vocabularySize() {
        return vocabularySize;
    }

    public int startToken() {
        return startToken;
    }

    public int endToken() {
        return endToken;
    }
}
