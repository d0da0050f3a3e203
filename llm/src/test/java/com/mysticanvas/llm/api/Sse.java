package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads Server-Sent Events: the {@code data:} payloads, in order, up to {@code [DONE]} or the end. */
final class Sse {
    private final BufferedReader reader;
    boolean sawDone;

    Sse(InputStream in) {
        reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event's JSON, or null at [DONE] or the end of the stream. */
    JsonNode next() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("data: ")) {
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    sawDone = true;
                    return null;
                }
                return Json.parse(data);
            }
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
