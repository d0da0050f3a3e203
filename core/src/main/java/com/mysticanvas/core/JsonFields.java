package com.mysticanvas.core;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed reads of optional request fields: absent or null gives the fallback, a wrong type a 400 naming the field. */
public final class JsonFields {
    private JsonFields() {}

    public static String text(JsonNode body, String field, String fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw Problem.badInput("'" + field + "' must be a string");
        }
        return v.asText();
    }

    public static int integer(JsonNode body, String field, int fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw Problem.badInput("'" + field + "' must be an integer");
        }
        return v.asInt();
    }

    public static long longInteger(JsonNode body, String field, long fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw Problem.badInput("'" + field + "' must be an integer");
        }
        return v.asLong();
    }

    public static double number(JsonNode body, String field, double fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw Problem.badInput("'" + field + "' must be a number");
        }
        return v.asDouble();
    }

    public static boolean bool(JsonNode body, String field, boolean fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw Problem.badInput("'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }
}
