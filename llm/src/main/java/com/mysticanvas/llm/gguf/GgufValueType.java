package com.mysticanvas.llm.gguf;

/** The value types of GGUF metadata ({@code enum gguf_type}); the ordinal is the on-disk code. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
    UINT64(8), INT64(8), FLOAT64(8);

    /** Smallest encoded size (a string or array is at least its length prefix); bounds counts read from a file. */
    final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    static GgufValueType of(int code) {
        GgufValueType[] all = values();
        if (code < 0 || code >= all.length) {
            throw new GgufFormatException("unknown metadata value type " + code);
        }
        return all[code];
    }
}
