package com.mysticanvas.core.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes Server-Sent Events to a response stream, flushing each one so it leaves at once.
 * Not thread-safe on its own: callers that write from several threads synchronise on it.
 */
public final class SseWriter {
    private final OutputStream out;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    /** {@code data: ...} with an optional {@code event:} name; multi-line data is split as the spec wants. */
    public synchronized void send(String event, String data) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (event != null) {
            sb.append("event: ").append(event).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        sb.append('\n');
        write(sb.toString());
    }

    public void data(String data) throws IOException {
        send(null, data);
    }

    /** A comment line; clients ignore it, so it serves as a keep-alive that also detects a gone client. */
    public synchronized void comment(String text) throws IOException {
        write(": " + text + "\n\n");
    }

    private void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
