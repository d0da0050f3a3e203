package com.mysticanvas.llm.grammar;

import java.util.function.BiFunction;

/**
 * {@code item{min,max}} written so llama.cpp accepts it exactly: llama.cpp refuses more than 2000 repetitions
 * and silently makes a larger maximum unbounded, so a larger range is split into chunks
 * ({@code chunk{0,q-1} item{0,c-1} | chunk{q} item{0,r}}, with {@code chunk ::= item{c}}), which still allows
 * every count from min to max and nothing more.
 */
final class Repetition {
    /** llama.cpp's MAX_REPETITION_THRESHOLD (src/llama-grammar.cpp). */
    static final int LIMIT = 2000;

    private Repetition() {}

    /**
     * @param item   a rule name (a single symbol, so llama.cpp counts it as one rule when repeating)
     * @param max    -1 for unbounded
     * @param addRule adds a helper rule (name hint, body) and returns its name
     */
    static String of(String item, long min, long max, BiFunction<String, String, String> addRule, String name) {
        if (min > LIMIT) {
            throw new IllegalArgumentException("at least " + min + " repetitions: more than " + LIMIT
                    + " is not supported");
        }
        if (max < 0) {
            return min == 0 ? item + "*" : min == 1 ? item + "+" : item + "{" + min + ",}";
        }
        if (max <= LIMIT) {
            return simple(item, min, max);
        }
        long span = max - min;
        long chunk = (span + LIMIT - 1) / LIMIT;
        if (chunk > LIMIT) {
            throw new IllegalArgumentException("at most " + max + " repetitions: more than "
                    + (long) LIMIT * LIMIT + " is not supported");
        }
        long chunks = span / chunk;
        long rest = span - chunks * chunk;
        String chunkRule = addRule.apply(name + "-chunk", simple(item, chunk, chunk));
        String head = min > 0 ? simple(item, min, min) + " " : "";
        String fewer = join(simple(chunkRule, 0, chunks - 1), simple(item, 0, chunk - 1));
        String most = join(simple(chunkRule, chunks, chunks), simple(item, 0, rest));
        return head + "(" + (fewer.isEmpty() ? "\"\"" : fewer) + " | " + most + ")";
    }

    private static String simple(String item, long min, long max) {
        if (max == 0) {
            return "";
        }
        if (min == max) {
            return min == 1 ? item : item + "{" + min + "}";
        }
        return min == 0 && max == 1 ? item + "?" : item + "{" + min + "," + max + "}";
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + " " + b;
    }
}
