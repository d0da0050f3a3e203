package com.mysticanvas.llm.engine;

import java.util.Arrays;

/**
 * One sequence of the context: the tokens its KV cache holds (for prompt-prefix reuse) and the request
 * generating in it, if any. Engine thread only.
 */
final class Slot {
    final int seq;
    private int[] cached = new int[256];
    private int cachedLength;
    Active active;
    long lastUsed;

    Slot(int seq) {
        this.seq = seq;
    }

    int cachedLength() {
        return cachedLength;
    }

    /** Length of the common prefix of the cache and {@code prompt}. */
    int commonPrefix(int[] prompt) {
        int n = Math.min(cachedLength, prompt.length);
        int i = Arrays.mismatch(cached, 0, n, prompt, 0, n);
        return i < 0 ? n : i;
    }

    /** Takes the first {@code length} cached tokens of {@code other} as its own (their cells were shared to it). */
    void copyPrefix(Slot other, int length) {
        cached = Arrays.copyOf(other.cached, Math.max(other.cached.length, 256));
        cachedLength = length;
    }

    void truncate(int length) {
        cachedLength = Math.min(cachedLength, length);
    }

    void append(int token) {
        if (cachedLength == cached.length) {
            cached = Arrays.copyOf(cached, cached.length * 2);
        }
        cached[cachedLength++] = token;
    }
}
