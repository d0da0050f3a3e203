package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.ollama.OllamaRequests;
import com.mysticanvas.core.http.SseReader;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Ollama's API over the OpenAI backends, for the desktop tools that speak only Ollama: {@code /api/tags} lists the
 * backends' models after the local ones (marked with {@code remote_host}, as Ollama marks models it does not hold),
 * {@code /api/chat} / {@code /api/generate} naming one become an OpenAI chat on that backend (tools, images and
 * reasoning carried), its stream turned into Ollama's NDJSON (or one object with {@code "stream": false}), and
 * {@code /api/embed} / {@code /api/embeddings} its {@code /v1/embeddings}.
 */
final class OllamaOnBackends {
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

    /** OpenAI's chat request for Ollama's {@code /api/chat} or {@code /api/generate} body (tools and images too). */
    static ObjectNode chatRequest(JsonNode body, boolean generate) {
        ObjectNode out = OllamaRequests.sampling(body).put("stream", true);
        out.putObject("stream_options").put("include_usage", true);
        if (generate) {
            ArrayNode messages = Json.MAPPER.createArrayNode();
            if (body.hasNonNull("system")) {
                messages.addObject().put("role", "system").put("content", body.get("system").asText());
            }
            ObjectNode user = messages.addObject().put("role", "user").put("content", body.path("prompt").asText(""));
            if (body.has("images")) {
                user.set("images", body.get("images"));
            }
            out.set("messages", OllamaRequests.messages(messages));
        } else {
            out.set("messages", OllamaRequests.messages(body.path("messages")));
        }
        if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
            out.set("tools", body.get("tools")); // Ollama's tools are OpenAI's
        }
        return out;
    }

    /** OpenAI's embeddings request for Ollama's {@code /api/embed} ({@code input}) or {@code /api/embeddings} ({@code prompt}). */
    static ObjectNode embedRequest(JsonNode body, boolean old) {
        JsonNode input = old ? body.get("prompt") : body.get("input");
        if (input == null || !(input.isTextual() || input.isArray() && !old)) {
            throw Problem.badInput("'" + (old ? "prompt" : "input") + "' must be " + (old ? "a text" : "a text or texts"));
        }
        return Json.object().set("input", input);
    }

    /** The backend's OpenAI embeddings as Ollama's answer: {@code embeddings} (or the older {@code embedding}). */
    static ObjectNode embedAnswer(JsonNode openAi, JsonNode body, boolean old, long startNanos) {
        ObjectNode out = Json.object();
        JsonNode data = openAi.path("data");
        if (old) {
            out.set("embedding", data.path(0).path("embedding"));
            return out;
        }
        out.put("model", body.path("model").asText());
        ArrayNode all = out.putArray("embeddings");
        data.forEach(d -> all.add(d.path("embedding")));
        return out.put("total_duration", System.nanoTime() - startNanos).put("load_duration", 0)
                .put("prompt_eval_count", openAi.path("usage").path("prompt_tokens").asInt(0));
    }

    /**
     * The backend's OpenAI stream as Ollama's answer: NDJSON chunks then the last one, or one object. Reasoning becomes
     * {@code thinking} when {@code think} was asked; tool calls, whose pieces OpenAI streams by index, go out whole in
     * one message before the last chunk (their arguments as JSON, as Ollama gives them).
     */
    static void answer(Context ctx, InputStream openAiStream, JsonNode body, boolean generate) throws IOException {
        String model = body.path("model").asText();
        boolean stream = body.path("stream").asBoolean(true);
        boolean think = body.path("think").asBoolean(false);
        long start = System.nanoTime();
        StringBuilder whole = new StringBuilder();
        StringBuilder thoughts = new StringBuilder();
        java.util.TreeMap<Integer, ObjectNode> calls = new java.util.TreeMap<>();
        int tokens = -1; // the backend's count when it gives usage; else the pieces streamed
        int pieces = 0;
        int promptTokens = 0;
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
                if (chunk.path("usage").path("completion_tokens").isInt()) {
                    tokens = chunk.path("usage").path("completion_tokens").asInt();
                    promptTokens = chunk.path("usage").path("prompt_tokens").asInt();
                }
                JsonNode choice = chunk.path("choices").path(0);
                JsonNode delta = choice.path("delta");
                if (choice.hasNonNull("finish_reason")) { // Ollama ends a turn of tool calls with "stop" too
                    reason = choice.get("finish_reason").asText().equals("length") ? "length" : "stop";
                }
                for (JsonNode call : delta.path("tool_calls")) {
                    ObjectNode into = calls.computeIfAbsent(call.path("index").asInt(calls.size()),
                            k -> Json.object().put("name", "").put("arguments", ""));
                    JsonNode f = call.path("function");
                    into.put("name", into.get("name").asText() + f.path("name").asText(""))
                            .put("arguments", into.get("arguments").asText() + f.path("arguments").asText(""));
                }
                String thought = delta.path("reasoning_content").asText(delta.path("reasoning").asText(""));
                String piece = delta.path("content").asText("");
                if (think && !thought.isEmpty()) {
                    thoughts.append(thought);
                    if (stream) {
                        ObjectNode p = piece(model, "", false, generate);
                        (generate ? p : p.withObjectProperty("message")).put("thinking", thought);
                        line(out, p);
                    }
                }
                if (!piece.isEmpty()) {
                    pieces++;
                    whole.append(piece);
                    if (stream) {
                        line(out, piece(model, piece, false, generate));
                    }
                }
            }
        }
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        calls.values().forEach(c -> toolCalls.addObject().putObject("function").put("name", c.get("name").asText())
                .set("arguments", arguments(c.get("arguments").asText())));
        if (stream && !toolCalls.isEmpty()) {
            ObjectNode calling = piece(model, "", false, generate);
            calling.withObjectProperty("message").set("tool_calls", toolCalls);
            line(out, calling);
        }
        ObjectNode last = piece(model, stream ? "" : whole.toString(), true, generate).put("done_reason", reason)
                .put("total_duration", System.nanoTime() - start).put("prompt_eval_count", promptTokens)
                .put("eval_count", tokens >= 0 ? tokens : pieces);
        ObjectNode said = generate ? last : last.withObjectProperty("message");
        if (!stream && think && !thoughts.isEmpty()) {
            said.put("thinking", thoughts.toString());
        }
        if (!stream && !generate && !toolCalls.isEmpty()) {
            said.set("tool_calls", toolCalls);
        }
        if (stream) {
            line(out, last);
        } else {
            ctx.json(last);
        }
    }

    /** A call's arguments as Ollama gives them: the JSON object, or the text when it is not JSON. */
    private static JsonNode arguments(String json) {
        try {
            return json.isBlank() ? Json.object() : Json.parse(json);
        } catch (RuntimeException notJson) {
            return Json.MAPPER.getNodeFactory().textNode(json);
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
