package com.mysticanvas.llm.template.jinja;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out of templates. {@link #dumps} writes exactly what Python's {@code json.dumps} writes with the
 * arguments Hugging Face's {@code tojson} passes ({@code ensure_ascii=False} unless asked), so prompts match
 * the reference renderer byte for byte.
 */
final class PyJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PyJson() {}

    record Style(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        /** Python's defaults: separators {@code ", "} / {@code ": "}, or {@code ","} when indenting. */
        static Style of(String indent, String itemSeparator, String keySeparator, boolean sortKeys,
                        boolean ensureAscii) {
            String items = itemSeparator != null ? itemSeparator : indent != null ? "," : ", ";
            return new Style(indent, items, keySeparator != null ? keySeparator : ": ", sortKeys, ensureAscii);
        }
    }

    static String dumps(Object value, Style style) {
        StringBuilder out = new StringBuilder();
        write(out, value, style, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object v, Style style, int level) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Double d -> out.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity")
                    : Values.floatRepr(d));
            case Str s -> quote(out, s.text(), style.ensureAscii());
            case List<?> list -> {
                if (list.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(style.itemSeparator());
                    }
                    newline(out, style, level + 1);
                    write(out, list.get(i), style, level + 1);
                }
                newline(out, style, level);
                out.append(']');
            }
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    entries.add(new AbstractMap.SimpleEntry<>(keyText(e.getKey()), e.getValue()));
                }
                if (style.sortKeys()) {
                    entries.sort(Map.Entry.comparingByKey(Comparator.comparing(k -> k, PyStrings::compareCodePoints)));
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : entries) {
                    if (!first) {
                        out.append(style.itemSeparator());
                    }
                    first = false;
                    newline(out, style, level + 1);
                    quote(out, e.getKey(), style.ensureAscii());
                    out.append(style.keySeparator());
                    write(out, e.getValue(), style, level + 1);
                }
                newline(out, style, level);
                out.append('}');
            }
            default -> throw new TemplateRuntimeError("Object of type " + Values.typeName(v)
                    + " is not JSON serializable");
        }
    }

    private static String keyText(Object key) {
        return switch (key) {
            case Str s -> s.text();
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Values.floatRepr(d);
            default -> throw new TemplateRuntimeError("keys must be str, int, float, bool or None, not "
                    + Values.typeName(key));
        };
    }

    private static void newline(StringBuilder out, Style style, int level) {
        if (style.indent() != null) {
            out.append('\n').append(style.indent().repeat(level));
        }
    }

    private static void quote(StringBuilder out, String s, boolean ensureAscii) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7f)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Whether any string inside came from request data (then the JSON text counts as request data too). */
    static boolean hasInput(Object v) {
        return switch (v) {
            case Str s -> s.hasInput();
            case List<?> l -> l.stream().anyMatch(PyJson::hasInput);
            case Map<?, ?> m -> m.keySet().stream().anyMatch(PyJson::hasInput)
                    || m.values().stream().anyMatch(PyJson::hasInput);
            case null, default -> false;
        };
    }

    /** Jackson tree to template values; strings marked as request data when {@code input}. */
    static Object fromJackson(JsonNode node, boolean input) {
        if (node == null || node.isMissingNode()) {
            return new Undefined("value is undefined");
        }
        return switch (node.getNodeType()) {
            case NULL -> null;
            case BOOLEAN -> node.booleanValue();
            case NUMBER -> node.isIntegralNumber() && node.canConvertToLong() ? (Object) node.longValue()
                    : (Object) node.doubleValue();
            case STRING -> input ? Str.input(node.textValue()) : Str.of(node.textValue());
            case ARRAY -> {
                List<Object> list = new ArrayList<>(node.size());
                node.forEach(item -> list.add(fromJackson(item, input)));
                yield list;
            }
            case OBJECT -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                node.properties().forEach(e -> map.put(input ? Str.input(e.getKey()) : Str.of(e.getKey()),
                        fromJackson(e.getValue(), input)));
                yield map;
            }
            default -> Str.of(node.asText());
        };
    }

    /** {@code from_json}: parses JSON text; strings keep the origin of the text. */
    static Object parse(Str text) {
        try {
            return fromJackson(MAPPER.readTree(text.text()), text.isAllInput());
        } catch (JsonProcessingException e) {
            throw new TemplateRuntimeError("from_json: invalid JSON: " + e.getOriginalMessage());
        }
    }
}
