package com.mysticanvas.sd.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2/CLIP's reversible map from the 256 byte values to printable characters, so that BPE can work on
 * text without ever seeing a space or a control character: printable Latin-1 bytes map to themselves,
 * the other bytes to U+0100 and up, in byte order.
 */
final class ByteAlphabet {
    private static final char[] CHARS = build();

    private ByteAlphabet() {}

    private static char[] build() {
        char[] chars = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = (char) (printable ? b : next++);
        }
        return chars;
    }

    /** The 256 characters in vocabulary order (byte order of their first appearance in CLIP's list). */
    static String[] vocabularyOrder() {
        // CLIP lists the printable bytes first (in byte order), then the remapped ones.
        String[] out = new String[256];
        int i = 0;
        for (int b = 0; b < 256; b++) {
            if (CHARS[b] == b) {
                out[i++] = String.valueOf(CHARS[b]);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (CHARS[b] != b) {
                out[i++] = String.valueOf(CHARS[b]);
            }
        }
        return out;
    }

    /** The UTF-8 bytes of {@code text}, each replaced by its character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = CHARS[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
