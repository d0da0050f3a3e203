package com.mysticanvas.llm.api;

import com.mysticanvas.core.http.ClientDisconnect;
import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.llm.engine.Generation;
import com.mysticanvas.llm.engine.GenerationEvent;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A streamed answer: {@code 200 text/event-stream} sent (and flushed) at once ({@link SseWriter#open}), then one
 * {@code data:} event per piece of text; a failure ends it with the one error frame ({@link SseWriter#error}). A
 * write that fails means the client went away: the generation is cancelled, which frees its slot at the next decode
 * step. While nothing happens (a long prompt), keep-alive comments ({@link SseWriter#KEEP_ALIVE}) keep the
 * connection checked.
 */
final class EventStream {
    /** What to send for each event of a generation. */
    interface Events {
        void text(String text) throws IOException;

        /** A token's log probabilities, before its text (only when the request asked). */
        default void logprob(GenerationEvent.Logprob logprob) throws IOException {}

        void done(GenerationEvent.Done done) throws IOException;
    }

    private final SseWriter sse;

    private EventStream(SseWriter sse) {
        this.sse = sse;
    }

    /** Answers 200 with the stream's headers, sent now, before the prompt is processed. */
    static EventStream open(Context ctx) throws IOException {
        return new EventStream(SseWriter.open(ctx));
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
                GenerationEvent e = generation.next(SseWriter.KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                switch (e) {
                    case null -> sse.keepAlive();
                    case GenerationEvent.Text t -> events.text(t.text());
                    case GenerationEvent.Logprob l -> events.logprob(l);
                    case GenerationEvent.Done d -> {
                        events.done(d);
                        return;
                    }
                    case GenerationEvent.Failed f -> {
                        sse.error(f.error());
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

    /** A whole (non-streamed) answer: all text, each token's log probabilities if asked, then how it ended. */
    record Whole(String text, List<GenerationEvent.Logprob> logprobs, GenerationEvent.Done done) {}

    static Whole collect(Context ctx, Generation generation) {
        // a client that stops waiting stops the generation, as a stream's failed write does
        ClientDisconnect.whenGone(ctx, generation::cancel);
        StringBuilder text = new StringBuilder();
        List<GenerationEvent.Logprob> logprobs = new ArrayList<>();
        try {
            while (true) {
                GenerationEvent e = generation.next(1, TimeUnit.MINUTES);
                switch (e) {
                    case null -> { } // still generating
                    case GenerationEvent.Text t -> text.append(t.text());
                    case GenerationEvent.Logprob l -> logprobs.add(l);
                    case GenerationEvent.Done d -> {
                        return new Whole(text.toString(), logprobs, d);
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
