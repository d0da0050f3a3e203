package com.mysticanvas.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one JSON mapper every process uses: lenient on unknown fields (clients send extras), strict on syntax. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serialisable: " + value.getClass().getName(), e);
        }
    }

    /** Parses a request body; malformed JSON becomes a 400 that says where it broke. */
    public static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw Problem.badInput("request body is empty; expected a JSON object");
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw Problem.badInput("malformed JSON: " + e.getOriginalMessage());
        }
    }

    /** Parses a body that must be a JSON object. */
    public static ObjectNode parseObject(String body) {
        if (!(parse(body) instanceof ObjectNode object)) {
            throw Problem.badInput("request body must be a JSON object");
        }
        return object;
    }
}
