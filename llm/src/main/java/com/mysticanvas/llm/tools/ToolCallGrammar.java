package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.grammar.GrammarBuilder;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's {@code tool_choice: "required"} and {@code {"type": "function", "function": {"name": N}}}: the
 * reply is held by a grammar to calls, written in the model's own tool-call syntax ({@link CallLayout}), of the
 * offered functions (or the named one), with arguments valid under each function's JSON Schema; one call when
 * {@code parallel_tool_calls} is false or a function is named. A reasoning model may think first.
 * {@code "auto"} and {@code "none"} need no grammar.
 */
public final class ToolCallGrammar {
    private ToolCallGrammar() {}

    /** The grammar that {@code tool_choice} asks for, or null when it leaves the model free. */
    public static String forChoice(JsonNode toolChoice, JsonNode tools, boolean parallel, String template, Thought thought) {
        String only = chosenFunction(toolChoice);
        if (only == null) {
            return null;
        }
        ToolCallFormat format = ToolCallFormat.detect(template);
        CallLayout layout = CallLayout.of(format, template == null ? "" : template);
        if (layout == null) {
            throw Problem.badInput("tool_choice '" + (only.isEmpty() ? "required" : only) + "' cannot be enforced for"
                    + " this model's tool-call syntax (" + format.name().toLowerCase() + "): use tool_choice 'auto'");
        }
        // Each function's parameters become a $def of one schema, their own refs moved along with them.
        ObjectNode defs = Json.object();
        ObjectNode refRoot = Json.object();
        refRoot.set("$defs", defs);
        GrammarBuilder g = new GrammarBuilder(refRoot);
        List<String> calls = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function");
            String name = fn.path("name").asText();
            if (!only.isEmpty() && !only.equals(name)) {
                continue;
            }
            JsonNode parameters = fn.path("parameters").isObject() ? fn.get("parameters") : Json.object().put("type", "object");
            String def = "#/$defs/tool" + i;
            defs.set("tool" + i, rebased(parameters, def));
            String where = "tools[" + i + "].function.parameters";
            String args = layout.params() == null ? g.value(Json.object().put("$ref", def), "tool" + i + "-args", where)
                    : params(g, layout.params(), (ObjectNode) defs.get("tool" + i), "tool" + i, where);
            calls.add(g.rule("call-" + i, g.literal(layout.head().apply(name)) + " " + args + " " + g.literal(layout.tail())));
        }
        if (calls.isEmpty()) {
            throw Problem.badInput("tool_choice names the function '" + only + "', which is not among 'tools'");
        }
        String call = g.rule("call", String.join(" | ", calls));
        String more = parallel && only.isEmpty() && layout.separator() != null
                ? " (" + g.literal(layout.separator()) + " " + call + ")*" : "";
        String root = g.literal(layout.open()) + " " + call + more + " " + g.literal(layout.close());
        return g.build(thought == null ? root : thought.expression(g) + " " + root);
    }

    /** Arguments as parameter elements: the required ones in schema order, then each optional one. */
    private static String params(GrammarBuilder g, CallLayout.Params p, ObjectNode schema, String hint, String where) {
        JsonNode properties = schema.path("properties");
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        List<String> mandatory = new ArrayList<>();
        List<String> optional = new ArrayList<>();
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            String key = property.getKey();
            JsonNode s = property.getValue();
            boolean string = Boolean.TRUE.equals(ToolSchemas.stringTyped(s)); // raw text between the tags
            String value = string ? stringValue(g, s, p.excluded())
                    : g.value(s, hint + "-" + key, where + ".properties." + key);
            String element = g.literal(p.open().apply(key, string)) + " " + value + " " + g.literal(p.close().apply(string));
            (required.contains(key) ? mandatory : optional).add(element);
        }
        String sep = p.separator().isEmpty() ? "" : g.literal(p.separator()) + " ";
        StringBuilder out = new StringBuilder();
        for (String m : mandatory) {
            out.append(out.isEmpty() ? "" : " " + sep).append(m);
        }
        if (mandatory.isEmpty() && !optional.isEmpty()) {
            // the first parameter given takes no separator: ( first (sep next)? ... )?
            StringBuilder rest = new StringBuilder(optional.getFirst());
            optional.subList(1, optional.size()).forEach(o -> rest.append(" (").append(sep).append(o).append(")?"));
            return "(" + rest + ")?";
        }
        optional.forEach(o -> out.append(" (").append(sep).append(o).append(")?"));
        return out.isEmpty() ? "\"\"" : "(" + out + ")";
    }

    private static String stringValue(GrammarBuilder g, JsonNode s, String excluded) {
        JsonNode values = s.has("const") ? Json.MAPPER.createArrayNode().add(s.get("const")) : s.get("enum");
        if (values != null && values.isArray()) {
            List<String> alts = new ArrayList<>();
            values.forEach(v -> alts.add(g.literal(v.asText())));
            return "(" + String.join(" | ", alts) + ")";
        }
        int max = s.path("maxLength").asInt(-1);
        int min = s.path("minLength").asInt(0);
        return g.textWithout(excluded, min, max);
    }

    /** "" for any offered function ({@code required}), a name for that one, null when the model may choose. */
    private static String chosenFunction(JsonNode toolChoice) {
        if (toolChoice == null || toolChoice.isNull()) {
            return null;
        }
        if (toolChoice.isTextual()) {
            return switch (toolChoice.asText()) {
                case "auto", "none" -> null;
                case "required" -> "";
                default -> throw Problem.badInput("tool_choice must be 'auto', 'none', 'required' or "
                        + "{\"type\": \"function\", \"function\": {\"name\": ...}}, got '" + toolChoice.asText() + "'");
            };
        }
        JsonNode name = toolChoice.path("function").path("name");
        if (!toolChoice.path("type").asText().equals("function") || !name.isTextual()) {
            throw Problem.badInput("tool_choice must be 'auto', 'none', 'required' or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}");
        }
        return name.asText();
    }

    /** A copy of {@code schema} whose local refs ({@code #...}) point into it at its new place {@code at}. */
    private static JsonNode rebased(JsonNode schema, String at) {
        JsonNode copy = schema.deepCopy();
        rebaseRefs(copy, at);
        return copy;
    }

    private static void rebaseRefs(JsonNode node, String at) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                if (field.getKey().equals("$ref") && field.getValue().isTextual() && field.getValue().asText().startsWith("#")) {
                    field.setValue(TextNode.valueOf(at + field.getValue().asText().substring(1)));
                } else {
                    rebaseRefs(field.getValue(), at);
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(item -> rebaseRefs(item, at));
        }
    }
}
