package com.mysticanvas.llm.engine;

import java.util.List;

/**
 * Turns the bytes of generated tokens into text that is safe to send: only whole UTF-8 characters (a token
 * may end inside one), and never the start of a stop string until it is known not to be one.
 * <p>
 * Characters are decoded the way llama.cpp's grammar sampler decodes them: a sequence's length comes from its
 * lead byte and overlong forms are accepted. A grammar that allows "你" (U+4F60) also lets a model spell it as
 * the overlong F0 84 BD A0; a strict decoder would turn that into four U+FFFD and break the JSON the grammar
 * guaranteed. The text we send is always well-formed: overlong input comes out as the character it encodes.
 */
final class TextStream {
    private static final int REPLACEMENT = 0xFFFD;

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private int codePoint;
    private int continuationBytes;
    private boolean stopped;

    TextStream(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds a token's bytes; returns the text that can be sent now (maybe empty). */
    String accept(byte[] bytes) {
        if (stopped) {
            return "";
        }
        for (byte b : bytes) {
            decode(b & 0xFF);
        }
        return release();
    }

    /** True once a stop string was generated; nothing more is produced. */
    boolean stopped() {
        return stopped;
    }

    /** End of generation: whatever was held back (an unfinished character becomes U+FFFD). */
    String finish() {
        if (stopped) {
            return "";
        }
        if (continuationBytes > 0) {
            held.appendCodePoint(REPLACEMENT);
            continuationBytes = 0;
        }
        String rest = held.toString();
        held.setLength(0);
        return rest;
    }

    private void decode(int b) {
        if (continuationBytes > 0) {
            if ((b & 0xC0) == 0x80) {
                codePoint = codePoint << 6 | b & 0x3F;
                if (--continuationBytes == 0) {
                    boolean valid = codePoint <= 0x10FFFF && (codePoint < 0xD800 || codePoint > 0xDFFF);
                    held.appendCodePoint(valid ? codePoint : REPLACEMENT);
                }
                return;
            }
            held.appendCodePoint(REPLACEMENT); // the character broke off; b starts something new
            continuationBytes = 0;
        }
        if (b < 0x80) {
            held.append((char) b);
        } else if ((b & 0xE0) == 0xC0) {
            start(b & 0x1F, 1);
        } else if ((b & 0xF0) == 0xE0) {
            start(b & 0x0F, 2);
        } else if ((b & 0xF8) == 0xF0) {
            start(b & 0x07, 3);
        } else {
            held.appendCodePoint(REPLACEMENT); // a stray continuation byte, or F8..FF
        }
    }

    private void start(int bits, int following) {
        codePoint = bits;
        continuationBytes = following;
    }

    private String release() {
        int cut = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = held.substring(0, cut);
            held.setLength(0);
            return out;
        }
        int keep = 0;
        for (String stop : stops) {
            keep = Math.max(keep, overlap(stop));
        }
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    private static boolean endsWith(CharSequence text, String stop, int n) {
        int start = text.length() - n;
        for (int i = 0; i < n; i++) {
            if (text.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Length of the longest end of the held text that is a beginning of {@code stop}. */
    private int overlap(String stop) {
        for (int n = Math.min(stop.length() - 1, held.length()); n > 0; n--) {
            if (endsWith(held, stop, n)) {
                return n;
            }
        }
        return 0;
    }
}
