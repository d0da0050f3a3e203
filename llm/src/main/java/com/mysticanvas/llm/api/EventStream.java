package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.llm.engine.Generation;
import com.mysticanvas.llm.engine.GenerationEvent;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A streamed answer: {@code 200 text/event-stream} sent (and flushed) at once, then one {@code data:} event
 * per piece of text. A write that fails means the client went away: the generation is cancelled, which frees
 * its slot at the next decode step. While nothing happens (a long prompt), comments keep the connection
 * checked.
 */
final class EventStream {
    static final long KEEP_ALIVE_MILLIS = 2000;

    /** What to send for each event of a generation. */
    interface Events {
        void text(String text) throws IOException;

        void done(GenerationEvent.Done done) throws IOException;
    }

    private final SseWriter sse;

    private EventStream(SseWriter sse) {
        this.sse = sse;
    }

    static EventStream open(Context ctx) throws IOException {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        var out = res.getOutputStream();
        out.flush(); // the headers leave now, before the prompt is processed
        return new EventStream(new SseWriter(out));
    }

    void data(JsonNode json) throws IOException {
        sse.data(Json.write(json));
    }

    void done() throws IOException {
        sse.data("[DONE]");
    }

    /** Feeds the generation's events to {@code events} until it ends or the client is gone. */
    void pump(Generation generation, Events events) {
        try {
            while (true) {
                GenerationEvent e = generation.next(KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
                switch (e) {
                    case null -> sse.comment("keep-alive");
                    case GenerationEvent.Text t -> events.text(t.text());
                    case GenerationEvent.Done d -> {
                        events.done(d);
                        return;
                    }
                    case GenerationEvent.Failed f -> {
                        data(HttpProblems.body(f.error()));
                        return;
                    }
                }
            }
        } catch (IOException clientGone) {
            generation.cancel();
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
        }
    }

    /** A whole (non-streamed) answer: all text, then how it ended; a failure is thrown as the HTTP error. */
    record Whole(String text, GenerationEvent.Done done) {}

    static Whole collect(Generation generation) {
        StringBuilder text = new StringBuilder();
        try {
            while (true) {
                GenerationEvent e = generation.next(1, TimeUnit.MINUTES);
                switch (e) {
                    case null -> { } // still generating
                    case GenerationEvent.Text t -> text.append(t.text());
                    case GenerationEvent.Done d -> {
                        return new Whole(text.toString(), d);
                    }
                    case GenerationEvent.Failed f -> throw f.error();
                }
            }
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
            throw Problem.unavailable("interrupted", "the request was interrupted");
        }
    }
}
