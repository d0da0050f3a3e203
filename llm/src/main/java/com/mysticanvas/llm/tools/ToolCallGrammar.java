package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.grammar.JsonSchemaGrammar;
import java.util.Map;

/**
 * OpenAI's {@code tool_choice: "required"} and {@code {"type": "function", "function": {"name": N}}}: the
 * reply is held by a grammar to one call, written in the model's own tool-call syntax, of one of the offered
 * functions (or the named one), with arguments valid under that function's JSON Schema. {@code "auto"} and
 * {@code "none"} need no grammar.
 */
public final class ToolCallGrammar {
    private ToolCallGrammar() {}

    /** The grammar that {@code tool_choice} asks for, or null when it leaves the model free. */
    public static String forChoice(JsonNode toolChoice, JsonNode tools, ToolCallFormat format) {
        String only = chosenFunction(toolChoice);
        if (only == null) {
            return null;
        }
        ArrayNode alternatives = Json.MAPPER.createArrayNode();
        ObjectNode defs = Json.object();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function");
            String name = fn.path("name").asText();
            if (!only.isEmpty() && !only.equals(name)) {
                continue;
            }
            // Each function's parameters become a $def of the whole, their own refs moved along with them.
            String def = "#/$defs/tool" + i;
            JsonNode parameters = fn.path("parameters").isObject() ? fn.get("parameters") : Json.object().put("type", "object");
            defs.set("tool" + i, rebased(parameters, def));
            ObjectNode call = alternatives.addObject().put("type", "object").put("additionalProperties", false);
            ObjectNode properties = call.putObject("properties");
            properties.putObject("name").put("const", name);
            properties.putObject(argumentsKey(format)).put("$ref", def);
            call.putArray("required").add("name").add(argumentsKey(format));
        }
        if (alternatives.isEmpty()) {
            throw Problem.badInput("tool_choice names the function '" + only + "', which is not among 'tools'");
        }
        ObjectNode schema = Json.object();
        schema.set("oneOf", alternatives);
        schema.set("$defs", defs);
        return switch (format) {
            case HERMES -> JsonSchemaGrammar.fromSchema(schema, HermesSyntax.OPEN + "\n", "\n" + HermesSyntax.CLOSE);
            case LLAMA3_JSON -> JsonSchemaGrammar.fromSchema(schema);
            default -> throw Problem.badInput("tool_choice '" + (only.isEmpty() ? "required" : only) + "' can be"
                    + " enforced for models that write Hermes/Qwen or Llama 3 tool calls; this model's template uses "
                    + format.name().toLowerCase() + ": use tool_choice 'auto'");
        };
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

    private static String argumentsKey(ToolCallFormat format) {
        return format == ToolCallFormat.LLAMA3_JSON ? "parameters" : "arguments";
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
