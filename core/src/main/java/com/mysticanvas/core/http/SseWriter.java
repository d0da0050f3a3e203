package com.mysticanvas.core.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Writes Server-Sent Events, flushing each one so it leaves at once: the one writer of every stream MystiCanvas
 * sends (chat completions, image progress, job events, the studio's streams, {@code /api/events}). Every stream
 * starts with {@link #open}, reports a failure with the one {@link #error} frame, and keeps to the one keep-alive
 * policy: a comment after {@link #KEEP_ALIVE} of silence. Thread-safe: each event is written whole.
 */
public final class SseWriter {
    /**
     * How long a stream may stay silent before it gets a comment. Short, because a write is the only way to learn
     * that a client went away while nothing else is sent (a long prompt being read, a queued image): the failed
     * write then cancels the work. Relays pass their source's comments on, so the policy holds end to end.
     */
    public static final Duration KEEP_ALIVE = Duration.ofSeconds(2);

    private final OutputStream out;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    /** Answers {@code 200 text/event-stream} and sends the headers at once, before the first event. */
    public static SseWriter open(Context ctx) throws IOException {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        streamHeaders(res);
        OutputStream out = res.getOutputStream();
        out.flush();
        return new SseWriter(out);
    }

    /** The headers every event stream needs besides its type: no caching, and no buffering by a reverse proxy. */
    public static void streamHeaders(HttpServletResponse res) {
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
    }

    /** {@code data: ...} with an optional {@code event:} name; multi-line data is split as the spec wants. */
    public void send(String event, String data) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (event != null) {
            sb.append("event: ").append(event).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        write(sb.append('\n').toString());
    }

    public void data(String data) throws IOException {
        send(null, data);
    }

    /** The comment of the keep-alive policy; clients ignore it, and a client that left makes it fail. */
    public void keepAlive() throws IOException {
        write(": keep-alive\n\n");
    }

    /** A comment line, ignored by clients. */
    public void comment(String text) throws IOException {
        write(": " + text.replace('\n', ' ') + "\n\n");
    }

    /**
     * The one error frame: {@code event: error} with the JSON error body every MystiCanvas error has
     * ({@code {"error":{"message","type","code"}}}). OpenAI's clients read it as a failed stream either way.
     */
    public void error(Problem problem) throws IOException {
        error(problem, Json.object());
    }

    /** The error frame with fields that say what failed besides the error (the image job, the saved message). */
    public void error(Problem problem, ObjectNode context) throws IOException {
        ObjectNode body = HttpProblems.body(problem);
        context.properties().forEach(e -> body.set(e.getKey(), e.getValue()));
        send("error", Json.write(body));
    }

    // For relays whose client may leave at any time: false instead of an exception once it has.

    /** {@link #send} of {@code data} as JSON; false when the client went away. */
    public boolean trySend(String event, Object data) {
        try {
            send(event, Json.write(data));
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    /** {@link #keepAlive}; false when the client went away. */
    public boolean tryKeepAlive() {
        try {
            keepAlive();
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    /** {@link #error(Problem, ObjectNode)}; false when the client went away. */
    public boolean tryError(Problem problem, ObjectNode context) {
        try {
            error(problem, context);
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    private synchronized void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
