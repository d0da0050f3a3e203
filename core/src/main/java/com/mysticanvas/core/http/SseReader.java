package com.mysticanvas.core.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a Server-Sent Events stream, one event (or comment) at a time, as the spec's parsing rules say: an event's
 * {@code data:} lines joined with newlines, dispatched at the blank line that ends it, {@code event:} naming it
 * ({@code message} otherwise), other fields ignored. Comments are returned too, so that a relay can pass a
 * keep-alive on. The one reader of every stream the orchestrator relays (chat turns, image jobs, job events).
 */
public final class SseReader implements AutoCloseable {
    /** One event; a comment has {@code name} null and its text as {@code data}. */
    public record Event(String name, String data) {
        public boolean isComment() {
            return name == null;
        }
    }

    private final InputStream in;
    private final BufferedReader lines;
    private final StringBuilder data = new StringBuilder();
    private String name = "message";
    private boolean hasData;

    public SseReader(InputStream in) {
        this.in = in;
        this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event or comment; null at the end of the stream (an event cut off by the end is dropped). */
    public Event next() throws IOException {
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isEmpty()) {
                if (hasData) {
                    Event e = new Event(name, data.toString());
                    reset();
                    return e;
                }
                reset();
            } else if (line.startsWith(":")) {
                return new Event(null, line.substring(1).strip());
            } else {
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "event" -> name = value;
                    case "data" -> {
                        if (hasData) {
                            data.append('\n');
                        }
                        data.append(value);
                        hasData = true;
                    }
                    default -> { } // id, retry: nothing we use
                }
            }
        }
        return null;
    }

    private void reset() {
        data.setLength(0);
        hasData = false;
        name = "message";
    }

    /** Closes the stream; for a worker's stream that is how its work is cancelled. */
    @Override
    public void close() throws IOException {
        in.close();
    }
}
