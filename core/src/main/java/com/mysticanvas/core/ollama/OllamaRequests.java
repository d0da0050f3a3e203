package com.mysticanvas.core.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;

/**
 * Ollama's requests as OpenAI's: what the LLM worker serves Ollama's API with, and what the orchestrator sends an
 * OpenAI backend for a model of its own. The one place Ollama's {@code options} and {@code format} are read.
 */
public final class OllamaRequests {
    private OllamaRequests() {}

    /** Ollama's {@code options} and {@code format} as OpenAI's sampling fields ({@code response_format} for the format). */
    public static ObjectNode sampling(JsonNode body) {
        ObjectNode out = Json.object();
        JsonNode o = body.path("options");
        for (String field : new String[] {"temperature", "top_p", "top_k", "min_p", "seed", "stop", "repeat_penalty",
                "presence_penalty", "frequency_penalty", "repeat_last_n"}) {
            if (o.hasNonNull(field)) {
                out.set(field, o.get(field));
            }
        }
        if (o.path("num_predict").asInt(-1) > 0) {
            out.put("max_tokens", o.path("num_predict").asInt());
        }
        JsonNode format = body.get("format");
        if (format != null && format.isTextual() && format.asText().equals("json")) {
            out.putObject("response_format").put("type", "json_object");
        } else if (format != null && format.isObject()) {
            out.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                    .put("name", "response").set("schema", format);
        } else if (format != null && !format.isNull() && !(format.isTextual() && format.asText().isEmpty())) {
            throw Problem.badInput("'format' must be \"json\" or a JSON schema");
        }
        return out;
    }

    /**
     * Ollama's chat messages as a strict OpenAI server takes them: {@code images} (base64) as {@code image_url} parts
     * beside the text, an assistant's {@code tool_calls} with ids and their arguments as JSON text, and each
     * {@code tool} message answering the call it follows by that id (Ollama names none; they answer in order).
     */
    public static ArrayNode messages(JsonNode ollama) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        java.util.ArrayDeque<String> unanswered = new java.util.ArrayDeque<>();
        int callNo = 0;
        for (JsonNode m : ollama) {
            String role = m.path("role").asText("user");
            ObjectNode message = out.addObject().put("role", role);
            String text = m.path("content").asText("");
            JsonNode images = m.path("images");
            if (images.isArray() && !images.isEmpty()) {
                ArrayNode parts = message.putArray("content");
                if (!text.isEmpty()) {
                    parts.addObject().put("type", "text").put("text", text);
                }
                for (JsonNode image : images) {
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", dataUrl(image.asText()));
                }
            } else {
                message.put("content", text);
            }
            if (m.path("tool_calls").isArray() && !m.path("tool_calls").isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (JsonNode call : m.path("tool_calls")) {
                    String id = call.path("id").asText("call_" + callNo++);
                    JsonNode arguments = call.path("function").path("arguments");
                    calls.addObject().put("id", id).put("type", "function").putObject("function")
                            .put("name", call.path("function").path("name").asText())
                            .put("arguments", arguments.isTextual() ? arguments.asText() : Json.write(arguments.isMissingNode() ? Json.object() : arguments));
                    unanswered.add(id);
                }
            }
            if (role.equals("tool")) {
                message.put("tool_call_id", m.path("tool_call_id").asText(unanswered.isEmpty() ? "call_0" : unanswered.poll()));
                if (m.hasNonNull("tool_name")) {
                    message.put("name", m.get("tool_name").asText());
                }
            }
        }
        return out;
    }

    /** A base64 image as a data URL, its type from its first bytes (JPEG, PNG, GIF, WebP); PNG when it cannot tell. */
    static String dataUrl(String base64) {
        if (base64.startsWith("data:")) {
            return base64;
        }
        String type = base64.startsWith("/9j/") ? "jpeg" : base64.startsWith("R0lGOD") ? "gif"
                : base64.startsWith("UklGR") ? "webp" : "png";
        return "data:image/" + type + ";base64," + base64;
    }
}
