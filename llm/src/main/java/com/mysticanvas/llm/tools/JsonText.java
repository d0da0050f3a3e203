package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;

/** Finding where a JSON value ends in generated text, and parsing it. */
final class JsonText {
    /** The value is not finished yet. */
    static final int INCOMPLETE = -1;

    private JsonText() {}

    /**
     * Index just past the JSON object or array starting at {@code from} (brackets counted outside strings), or
     * {@link #INCOMPLETE}. Whether the text in between is valid JSON is left to {@link #parse}.
     */
    static int end(String s, int from) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return i + 1;
                }
            }
        }
        return INCOMPLETE;
    }

    /** The parsed value, or null when the text is not exactly one JSON value. */
    static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Arguments as OpenAI wants them: the compact text of a JSON object; null when they are not an object. */
    static String arguments(JsonNode args) {
        if (args == null || args.isNull()) {
            return "{}";
        }
        if (args.isTextual()) {
            JsonNode parsed = parse(args.asText());
            return parsed != null && parsed.isObject() ? Json.write(parsed) : null;
        }
        return args.isObject() ? Json.write(args) : null;
    }
}
