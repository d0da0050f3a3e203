package com.mysticanvas.llm.engine;

import com.mysticanvas.llm.gguf.GgmlType;
import com.mysticanvas.llm.gguf.GgufInfo;

/**
 * The KV cache a context needs, from the GGUF header: per layer, K holds {@code head_count_kv x key_length} and V
 * {@code head_count_kv x value_length} elements a token ({@code key_length} / {@code value_length} default to
 * {@code embedding_length / head_count}, as llama.cpp's); an upper bound for sliding-window layers.
 */
public final class KvCacheSize {
    private KvCacheSize() {}

    /** Bytes a token of context takes, or -1 when the header does not say enough (not an attention layout we know). */
    public static long bytesPerToken(GgufInfo header, GgmlType typeK, GgmlType typeV) {
        long layers = header.archNumber("block_count");
        long embedding = header.archNumber("embedding_length");
        long heads = header.archNumber("attention.head_count");
        if (layers <= 0 || embedding <= 0 || heads <= 0) {
            return -1;
        }
        long kvHeads = header.archNumber("attention.head_count_kv");
        kvHeads = kvHeads > 0 ? kvHeads : heads;
        long keyLength = header.archNumber("attention.key_length");
        long valueLength = header.archNumber("attention.value_length");
        keyLength = keyLength > 0 ? keyLength : embedding / heads;
        valueLength = valueLength > 0 ? valueLength : embedding / heads;
        return layers * (bytes(typeK, kvHeads * keyLength) + bytes(typeV, kvHeads * valueLength));
    }

    /** Bytes of {@code elements} of {@code type}, rounding partial blocks up. */
    private static long bytes(GgmlType type, long elements) {
        long blocks = (elements + type.blockSize - 1) / type.blockSize;
        return type.bytes(blocks * type.blockSize);
    }
}
