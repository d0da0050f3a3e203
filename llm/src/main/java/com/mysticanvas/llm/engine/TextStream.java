package com.mysticanvas.llm.engine;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns the bytes of generated tokens into text that is safe to send: only whole UTF-8 characters (a token
 * may end inside one), and never the start of a stop string until it is known not to be one.
 */
final class TextStream {
    private final List<String> stops;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pendingBytes = ByteBuffer.allocate(16);
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    TextStream(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds a token's bytes; returns the text that can be sent now (maybe empty). */
    String accept(byte[] bytes) {
        if (stopped) {
            return "";
        }
        if (pendingBytes.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pendingBytes.position() + bytes.length + 16);
            pendingBytes.flip();
            bigger.put(pendingBytes);
            pendingBytes = bigger;
        }
        pendingBytes.put(bytes);
        pendingBytes.flip();
        CharBuffer chars = CharBuffer.allocate(pendingBytes.remaining() + 1);
        CoderResult result = decoder.decode(pendingBytes, chars, false);
        if (result.isError()) {
            throw new IllegalStateException("UTF-8 decoder error with REPLACE action: " + result);
        }
        pendingBytes.compact(); // an incomplete character stays for the next token
        held.append(chars.flip());
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
        pendingBytes.flip();
        CharBuffer chars = CharBuffer.allocate(pendingBytes.remaining() * 2 + 2);
        decoder.decode(pendingBytes, chars, true);
        decoder.flush(chars);
        pendingBytes.clear();
        held.append(chars.flip());
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
