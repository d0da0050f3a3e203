package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.JsonFields;

/**
 * Request fields with ranges: {@link JsonFields} checks the type, this the range; either mistake is a 400
 * naming the field.
 */
final class Fields {
    private Fields() {}

    static boolean present(JsonNode body, String name) {
        return body.hasNonNull(name);
    }

    static double number(JsonNode body, String name, double min, double max, double fallback) {
        double v = JsonFields.number(body, name, fallback);
        if (!(v >= min && v <= max)) {
            throw Problem.badInput("'" + name + "' must be between " + fmt(min) + " and " + fmt(max) + ", got "
                    + body.get(name));
        }
        return v;
    }

    static long integer(JsonNode body, String name, long min, long max, long fallback) {
        long v = JsonFields.longInteger(body, name, fallback);
        if (v < min || v > max) {
            throw Problem.badInput("'" + name + "' must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    static boolean bool(JsonNode body, String name, boolean fallback) {
        return JsonFields.bool(body, name, fallback);
    }

    static String text(JsonNode body, String name, String fallback) {
        return JsonFields.text(body, name, fallback);
    }

    static String requiredText(JsonNode body, String name) {
        String s = text(body, name, null);
        if (s == null || s.isBlank()) {
            throw Problem.badInput("'" + name + "' is required");
        }
        return s;
    }

    /** A JSON array of token ids. */
    static int[] tokenIds(JsonNode array, String name) {
        if (array == null || !array.isArray()) {
            throw Problem.badInput("'" + name + "' must be an array of token ids");
        }
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                throw Problem.badInput("'" + name + "' must hold integer token ids; item " + i + " is " + t);
            }
            ids[i] = t.asInt();
        }
        return ids;
    }

    /** True for a non-empty array whose items are all integers (a prompt given as tokens). */
    static boolean isTokenArray(JsonNode n) {
        if (n == null || !n.isArray() || n.isEmpty()) {
            return false;
        }
        for (JsonNode t : n) {
            if (!t.isIntegralNumber()) {
                return false;
            }
        }
        return true;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
