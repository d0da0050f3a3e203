package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseReader;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Ollama's API over the OpenAI backends, for the desktop tools that speak only Ollama: {@code /api/tags} lists the
 * backends' models after the local ones (marked with {@code remote_host}, as Ollama marks models it does not hold),
 * and {@code /api/chat} / {@code /api/generate} naming one become an OpenAI chat on that backend, its stream turned
 * into Ollama's NDJSON (or one object with {@code "stream": false}).
 */
final class OllamaOnBackends {
    private static final Map<String, String> OPTIONS = Map.of("temperature", "temperature", "top_p", "top_p", "seed", "seed",
            "num_predict", "max_tokens", "stop", "stop", "presence_penalty", "presence_penalty",
            "frequency_penalty", "frequency_penalty");

    private OllamaOnBackends() {}

    /** The local worker's tags, then a tag for each backend model. */
    static ObjectNode tags(JsonNode local, Backends backends) {
        ObjectNode out = Json.object();
        ArrayNode models = out.putArray("models");
        local.path("models").forEach(models::add);
        for (Backends.Model m : backends.models()) {
            if (m.connection().kind() == Connection.Kind.OPENAI) {
                models.addObject().put("name", m.id()).put("model", m.id()).put("modified_at", Instant.EPOCH.toString())
                        .put("size", 0).put("digest", Integer.toHexString(m.id().hashCode()))
                        .put("remote_host", m.connection().url().toString()).putObject("details").put("format", "");
            }
        }
        return out;
    }

    /** OpenAI's chat request for Ollama's {@code /api/chat} or {@code /api/generate} body. */
    static ObjectNode chatRequest(JsonNode body, boolean generate) {
        ObjectNode out = Json.object().put("stream", true);
        ArrayNode messages = out.putArray("messages");
        if (generate) {
            if (body.hasNonNull("system")) {
                messages.addObject().put("role", "system").put("content", body.get("system").asText());
            }
            messages.addObject().put("role", "user").put("content", body.path("prompt").asText(""));
        } else {
            for (JsonNode m : body.path("messages")) {
                messages.addObject().put("role", m.path("role").asText("user")).put("content", m.path("content").asText(""));
            }
        }
        JsonNode options = body.path("options");
        OPTIONS.forEach((ollama, openAi) -> {
            if (options.hasNonNull(ollama)) {
                out.set(openAi, options.get(ollama));
            }
        });
        if ("json".equals(body.path("format").asText(null))) {
            out.putObject("response_format").put("type", "json_object");
        }
        return out;
    }

    /** The backend's OpenAI stream as Ollama's answer: NDJSON chunks then the last one, or one object. */
    static void answer(Context ctx, InputStream openAiStream, JsonNode body, boolean generate) throws IOException {
        String model = body.path("model").asText();
        boolean stream = body.path("stream").asBoolean(true);
        long start = System.nanoTime();
        StringBuilder whole = new StringBuilder();
        int tokens = 0;
        String reason = "stop";
        OutputStream out = null;
        if (stream) {
            ctx.contentType("application/x-ndjson");
            out = ctx.res().getOutputStream();
        }
        try (SseReader events = new SseReader(openAiStream)) {
            for (SseReader.Event e = events.next(); e != null; e = events.next()) {
                if (e.isComment() || e.data() == null || e.data().equals("[DONE]")) {
                    continue;
                }
                JsonNode chunk = Json.parse(e.data());
                JsonNode choice = chunk.path("choices").path(0);
                String piece = choice.path("delta").path("content").asText("");
                if (choice.hasNonNull("finish_reason")) {
                    reason = choice.get("finish_reason").asText();
                }
                if (!piece.isEmpty()) {
                    tokens++;
                    whole.append(piece);
                    if (stream) {
                        line(out, piece(model, piece, false, generate));
                    }
                }
            }
        }
        ObjectNode last = piece(model, stream ? "" : whole.toString(), true, generate).put("done_reason", reason)
                .put("total_duration", System.nanoTime() - start).put("eval_count", tokens);
        if (stream) {
            line(out, last);
        } else {
            ctx.json(last);
        }
    }

    private static ObjectNode piece(String model, String text, boolean done, boolean generate) {
        ObjectNode p = Json.object().put("model", model).put("created_at", Instant.now().toString());
        if (generate) {
            p.put("response", text);
        } else {
            p.putObject("message").put("role", "assistant").put("content", text);
        }
        return p.put("done", done);
    }

    private static void line(OutputStream out, JsonNode json) throws IOException {
        out.write((Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
