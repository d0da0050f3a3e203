package com.mysticanvas.llm.synth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real, small GPT-2-style byte-level BPE vocabulary learnt from a text: the 256 byte tokens (in GPT-2's
 * byte-to-unicode spelling, so a space is {@code Ġ} and a newline {@code Ċ}), then one token per learnt merge,
 * then the control tokens. This is what {@code tokenizer.ggml.model = gpt2} expects.
 *
 * @param tokens     token texts by id
 * @param types      llama_token_type by id (1 normal, 3 control)
 * @param merges     merge rules in priority order, {@code "left right"}
 */
public record ByteLevelBpe(List<String> tokens, int[] types, List<String> merges) {
    static final int NORMAL = 1, CONTROL = 3;

    /** GPT-2's pre-tokenizer pattern: words with their leading space, numbers, punctuation runs, spaces. */
    private static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private static final String[] BYTE_CHARS = byteChars();

    /** Learns {@code mergeCount} merges from {@code corpus} (deterministic) and appends {@code controls}. */
    public static ByteLevelBpe train(String corpus, int mergeCount, List<String> controls) {
        Map<List<String>, Integer> words = new LinkedHashMap<>();
        Matcher m = WORDS.matcher(corpus);
        while (m.find()) {
            words.merge(spell(m.group()), 1, Integer::sum);
        }
        List<String> tokens = new ArrayList<>(List.of(BYTE_CHARS));
        List<String> merges = new ArrayList<>();
        for (int i = 0; i < mergeCount; i++) {
            Map<String, Integer> pairs = new HashMap<>();
            words.forEach((symbols, count) -> {
                for (int j = 0; j + 1 < symbols.size(); j++) {
                    pairs.merge(symbols.get(j) + " " + symbols.get(j + 1), count, Integer::sum);
                }
            });
            // Most frequent pair; ties broken by text so the vocabulary never depends on hash order.
            String best = pairs.entrySet().stream()
                    .max(Map.Entry.<String, Integer>comparingByValue()
                            .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                    .map(Map.Entry::getKey).orElse(null);
            if (best == null) {
                break;
            }
            String[] parts = best.split(" ");
            merges.add(best);
            tokens.add(parts[0] + parts[1]);
            words = applyMerge(words, parts[0], parts[1]);
        }
        int[] types = new int[tokens.size() + controls.size()];
        Arrays.fill(types, NORMAL);
        for (int i = tokens.size(); i < types.length; i++) {
            types[i] = CONTROL;
        }
        tokens.addAll(controls);
        return new ByteLevelBpe(List.copyOf(tokens), types, List.copyOf(merges));
    }

    /** The id of a token text; throws if absent. */
    public int id(String token) {
        int i = tokens.indexOf(token);
        if (i < 0) {
            throw new IllegalArgumentException("no token " + token);
        }
        return i;
    }

    /** Pads with normal tokens no merge produces up to {@code size} tokens, for a full-size output layer. */
    public ByteLevelBpe paddedTo(int size) {
        if (size <= tokens.size()) {
            return this;
        }
        List<String> padded = new ArrayList<>(tokens);
        int[] paddedTypes = Arrays.copyOf(types, size);
        for (int i = tokens.size(); i < size; i++) {
            padded.add("[pad" + i + "]");
            paddedTypes[i] = NORMAL;
        }
        return new ByteLevelBpe(List.copyOf(padded), paddedTypes, merges);
    }

    private static Map<List<String>, Integer> applyMerge(Map<List<String>, Integer> words, String left, String right) {
        Map<List<String>, Integer> out = new LinkedHashMap<>();
        words.forEach((symbols, count) -> {
            List<String> merged = new ArrayList<>(symbols.size());
            for (int j = 0; j < symbols.size(); j++) {
                if (j + 1 < symbols.size() && symbols.get(j).equals(left) && symbols.get(j + 1).equals(right)) {
                    merged.add(left + right);
                    j++;
                } else {
                    merged.add(symbols.get(j));
                }
            }
            out.merge(merged, count, Integer::sum);
        });
        return out;
    }

    private static List<String> spell(String word) {
        List<String> symbols = new ArrayList<>();
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            symbols.add(BYTE_CHARS[b & 0xff]);
        }
        return symbols;
    }

    /** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others map to U+0100 upwards. */
    private static String[] byteChars() {
        String[] chars = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = Character.toString(printable ? b : next++);
        }
        return chars;
    }
}
