package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** An OpenAI stream read with core's SSE reader: the events' JSON, in order, up to {@code [DONE]} or the end. */
final class Sse {
    private final SseReader reader;
    boolean sawDone;

    Sse(InputStream in) {
        reader = new SseReader(in);
    }

    /** The next event's JSON (an error frame's too), or null at [DONE] or the end of the stream. */
    JsonNode next() throws IOException {
        for (SseReader.Event e = reader.next(); e != null; e = reader.next()) {
            if (e.isComment()) {
                continue;
            }
            if (e.data().equals("[DONE]")) {
                sawDone = true;
                return null;
            }
            return Json.parse(e.data());
        }
        return null;
    }

    List<JsonNode> all() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        JsonNode e;
        while ((e = next()) != null) {
            events.add(e);
        }
        return events;
    }
}
