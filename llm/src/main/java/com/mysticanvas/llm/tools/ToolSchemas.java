package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.mysticanvas.core.Json;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offered functions' parameter schemas, for families that write each argument as raw text between tags
 * (Qwen3-Coder, GLM, MiniMax M2, DeepSeek DSML ...): the text of a parameter the schema types as a string stays
 * text ({@code "5"}, {@code "null"}), one typed otherwise is read as JSON. Without a schema for it, text that
 * reads as a JSON number, boolean, object ... is taken as that.
 */
record ToolSchemas(JsonNode tools) {
    static final ToolSchemas NONE = new ToolSchemas(null);
    private static final Pattern CDATA = Pattern.compile("^<!\\[CDATA\\[(.*)]]>$", Pattern.DOTALL);

    /**
     * A parameter's raw text as JSON; one newline at each end is markup, a CDATA section is text, and
     * {@code attrs} (the element's other attributes, or null) may declare {@code string="true"} or a {@code type}.
     */
    JsonNode value(String function, String key, String raw, String attrs) {
        String text = raw.startsWith("\n") ? raw.substring(1) : raw;
        text = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        Matcher cdata = CDATA.matcher(text.strip());
        if (cdata.matches()) {
            return TextNode.valueOf(cdata.group(1));
        }
        Boolean string = attrs == null ? null : declaredString(attrs);
        if (string == null) {
            string = schemaSaysString(function, key);
        }
        if (Boolean.TRUE.equals(string)) {
            return TextNode.valueOf(text);
        }
        JsonNode value = JsonText.parse(text.strip());
        return value != null && !value.isTextual() ? value : TextNode.valueOf(text);
    }

    private static Boolean declaredString(String attrs) {
        if (attrs.contains("string=\"true\"") || attrs.contains("type=\"string\"")) {
            return true;
        }
        return attrs.contains("string=\"false\"") || attrs.contains("type=\"") ? false : null;
    }

    /** True when the schema types the parameter as a string (or strings only), false for another type, null unknown. */
    private Boolean schemaSaysString(String function, String key) {
        if (tools == null || !tools.isArray()) {
            return null;
        }
        for (JsonNode tool : tools) {
            JsonNode fn = tool.path("function");
            if (fn.path("name").asText().equals(function)) {
                JsonNode p = fn.path("parameters").path("properties").path(key);
                if (p.isMissingNode()) {
                    return null;
                }
                return stringTyped(p);
            }
        }
        return null;
    }

    /** True for a string schema (by type, or an enum / const of strings only), false for another type, null unknown. */
    static Boolean stringTyped(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual()) {
            return type.asText().equals("string");
        }
        JsonNode values = schema.has("const") ? Json.MAPPER.createArrayNode().add(schema.get("const")) : schema.get("enum");
        if (values == null || !values.isArray() || values.isEmpty()) {
            return null;
        }
        for (JsonNode v : values) {
            if (!v.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
