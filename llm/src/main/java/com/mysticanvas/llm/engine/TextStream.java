package com.mysticanvas.llm.engine;

import java.util.List;

/**
 * Turns the bytes of generated tokens into text that is safe to send: only whole UTF-8 characters (a token
 * may end inside one), and never the start of a stop string until it is known not to be one.
 * <p>
 * Characters are decoded exactly as llama.cpp's grammar sampler decodes a token's piece ({@code decode_utf8} in
 * {@code llama-grammar.cpp}), so text held by a grammar is the text the grammar matched, character for character:
 * a sequence's length comes from its lead byte (F8..FF lead four bytes), the bytes after a lead inside the same
 * piece are taken as its continuation whatever they are, overlong forms are accepted, and a piece ends at its
 * first NUL. A grammar that allows "你" (U+4F60) also lets a model spell it as the overlong F0 84 BD A0; a strict
 * decoder would send four U+FFFD and break the JSON, or the {@code maxLength}, the grammar guaranteed. A code
 * point that is no character (a surrogate, or beyond U+10FFFF) becomes one U+FFFD, so the count still agrees.
 * Only what a grammar would refuse (a stray continuation byte, a lead whose next piece does not continue it)
 * decodes differently: U+FFFD, and the byte starts afresh.
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
    String accept(byte[] piece) {
        if (stopped) {
            return "";
        }
        int end = 0;
        while (end < piece.length && piece[end] != 0) {
            end++;
        }
        int i = 0;
        // A character the last piece left unfinished: llama.cpp's grammar refuses a piece that does not continue it.
        while (i < end && continuationBytes > 0) {
            int b = piece[i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                held.appendCodePoint(REPLACEMENT);
                continuationBytes = 0;
                break;
            }
            i++;
            append(b);
        }
        while (i < end) {
            int lead = piece[i++] & 0xFF;
            int following = switch (lead >> 4) {
                case 8, 9, 10, 11 -> -1;
                case 12, 13 -> 1;
                case 14 -> 2;
                case 15 -> 3;
                default -> 0;
            };
            if (following < 0) {
                held.appendCodePoint(REPLACEMENT); // a stray continuation byte
                continue;
            }
            codePoint = lead & (1 << 7 - following) - 1;
            continuationBytes = following;
            if (following == 0) {
                held.append((char) lead);
            }
            while (i < end && continuationBytes > 0) {
                append(piece[i++] & 0xFF);
            }
        }
        return release();
    }

    /** Adds a continuation byte's six bits; the last one completes the character. */
    private void append(int b) {
        codePoint = codePoint << 6 | b & 0x3F;
        if (--continuationBytes == 0) {
            boolean valid = codePoint <= 0x10FFFF && (codePoint < 0xD800 || codePoint > 0xDFFF);
            held.appendCodePoint(valid ? codePoint : REPLACEMENT);
        }
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
