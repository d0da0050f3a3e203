package com.mysticanvas.llm.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a chat template's variables from an OpenAI chat-completions request, validating it (bad input is an
 * {@link Problem} (bad input) naming the field) and adapting it to what the template can take, as llama.cpp does:
 * <ul>
 *   <li>content parts become one string (text parts joined by newlines); other part types are refused;</li>
 *   <li>{@code developer} becomes {@code system} (except for gpt-oss, whose template knows developer);</li>
 *   <li>a system message the template would drop or refuse is put in front of the first user message;</li>
 *   <li>missing content next to tool calls becomes {@code ""};</li>
 *   <li>tool-call arguments (JSON text on the wire) become JSON objects when the template renders objects;</li>
 *   <li>a tool result without {@code name} gets the name of the call it answers;</li>
 *   <li>tool-call ids become 9 letters and digits (the same id gives the same result) for Mistral templates,
 *       which refuse any other id, since clients send back ids like {@code call_...};</li>
 *   <li>{@code reasoning_content} is also given as {@code thinking} to templates that read that field.</li>
 * </ul>
 * Read from the request: {@code messages}, {@code tools}, {@code tool_choice} ({@code "none"} leaves tools out),
 * {@code reasoning_effort}, {@code add_generation_prompt} (default true) and llama.cpp's
 * {@code chat_template_kwargs} (extra variables, e.g. {@code "enable_thinking": false}; it is true otherwise).
 */
public final class ChatTemplateInput {
    private ChatTemplateInput() {}

    /** Variables for {@link ChatTemplate#render} / {@link ChatTemplate#renderPrompt}, dated today. */
    public static ObjectNode fromRequest(ChatTemplate template, JsonNode request, String bosToken, String eosToken) {
        return fromRequest(template, request, bosToken, eosToken, Clock.systemDefaultZone());
    }

    /**
     * As {@link #fromRequest(ChatTemplate, JsonNode, String, String)}; {@code clock} gives {@code date_string}
     * ("09 Mar 2026", read by Llama 3.x templates) and {@code datetime} ("Mar 09 2026"), as llama.cpp sets them.
     */
    public static ObjectNode fromRequest(ChatTemplate template, JsonNode request, String bosToken, String eosToken,
                                         Clock clock) {
        if (!(request.get("messages") instanceof ArrayNode messages) || messages.isEmpty()) {
            throw Problem.badInput("'messages' must be a non-empty array");
        }
        TemplateCapabilities caps = template.capabilities();
        String source = template.source();
        ArrayNode normalized = Json.MAPPER.createArrayNode();
        Map<String, String> callNames = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            normalized.add(message(messages.get(i), "messages[" + i + "]", caps, source, callNames));
        }
        if (source.contains("length != 9")) {
            shortenToolCallIds(normalized);
        }
        if (!caps.systemRole()) {
            mergeSystemIntoFirstUser(normalized);
        }
        ObjectNode vars = Json.object();
        vars.set("messages", normalized);
        JsonNode tools = request.get("tools");
        boolean toolChoiceNone = "none".equals(request.path("tool_choice").asText(null));
        if (tools != null && !tools.isNull() && !toolChoiceNone) {
            ArrayNode checked = tools(tools);
            if (!checked.isEmpty()) {
                vars.set("tools", checked);
                // FireFunction v2's template reads the function specs as one JSON text named "functions"
                ArrayNode functions = Json.MAPPER.createArrayNode();
                checked.forEach(t -> functions.add(t.path("function")));
                vars.put("functions", Json.write(functions));
            }
        }
        vars.put("add_generation_prompt", request.path("add_generation_prompt").asBoolean(true));
        vars.put("bos_token", bosToken == null ? "" : bosToken);
        vars.put("eos_token", eosToken == null ? "" : eosToken);
        // as llama.cpp: thinking models think unless the request turns it off (several templates test this flag)
        vars.put("enable_thinking", true);
        LocalDate today = LocalDate.now(clock);
        vars.put("date_string", DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH).format(today));
        vars.put("datetime", DateTimeFormatter.ofPattern("MMM dd yyyy", Locale.ENGLISH).format(today));
        if (request.hasNonNull("reasoning_effort")) {
            vars.put("reasoning_effort", request.get("reasoning_effort").asText());
        }
        JsonNode kwargs = request.get("chat_template_kwargs");
        if (kwargs != null && !kwargs.isNull()) {
            if (!(kwargs instanceof ObjectNode extra)) {
                throw Problem.badInput("'chat_template_kwargs' must be an object");
            }
            extra.properties().forEach(e -> vars.set(e.getKey(), e.getValue()));
        }
        return vars;
    }

    private static ObjectNode message(JsonNode node, String where, TemplateCapabilities caps, String source,
                                      Map<String, String> callNames) {
        if (!(node instanceof ObjectNode m)) {
            throw Problem.badInput(where + " must be an object");
        }
        // Roles beyond OpenAI's (system, developer, user, assistant, tool) pass through: some templates know more.
        String role = m.path("role").isTextual() ? m.get("role").asText() : "";
        if (role.isBlank()) {
            throw Problem.badInput(where + ".role must be a non-empty string");
        }
        if (role.equals("developer") && !source.contains("<|channel|>")) {
            role = "system";
        }
        ObjectNode out = Json.object().put("role", role);
        JsonNode toolCalls = m.get("tool_calls");
        boolean hasCalls = toolCalls != null && !toolCalls.isNull();
        JsonNode content = m.get("content");
        if (content == null || content.isNull()) {
            if (!role.equals("assistant")) {
                throw Problem.badInput(where + ".content is required for role '" + role + "'");
            }
            if (!hasCalls) {
                throw Problem.badInput(where + " has neither content nor tool_calls");
            }
            out.put("content", "");
        } else {
            out.put("content", text(content, where + ".content"));
        }
        if (m.hasNonNull("name")) {
            out.put("name", string(m.get("name"), where + ".name"));
        }
        if (hasCalls) {
            if (!role.equals("assistant")) {
                throw Problem.badInput(where + ".tool_calls is only allowed on assistant messages");
            }
            out.set("tool_calls", toolCalls(toolCalls, where + ".tool_calls", caps.objectArguments(), callNames));
        }
        if (m.hasNonNull("tool_call_id")) {
            String id = string(m.get("tool_call_id"), where + ".tool_call_id");
            out.put("tool_call_id", id);
            if (role.equals("tool") && !out.has("name") && callNames.containsKey(id)) {
                out.put("name", callNames.get(id));
            }
        }
        if (m.hasNonNull("reasoning_content")) {
            String reasoning = string(m.get("reasoning_content"), where + ".reasoning_content");
            out.put("reasoning_content", reasoning);
            if (source.contains("message.thinking")) {
                out.put("thinking", reasoning);
            }
        }
        return out;
    }

    /** A string, or text content parts joined by newlines. */
    private static String text(JsonNode content, String where) {
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw Problem.badInput(where + " must be a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                throw Problem.badInput(where + "[" + i + "] has type '" + type
                        + "'; this model takes text parts only");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(string(part.get("text"), where + "[" + i + "].text"));
        }
        return text.toString();
    }

    private static String string(JsonNode value, String where) {
        if (value == null || !value.isTextual()) {
            throw Problem.badInput(where + " must be a string");
        }
        return value.asText();
    }

    private static ArrayNode toolCalls(JsonNode calls, String where, boolean objectArguments,
                                       Map<String, String> callNames) {
        if (!calls.isArray()) {
            throw Problem.badInput(where + " must be an array");
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < calls.size(); i++) {
            String at = where + "[" + i + "]";
            JsonNode call = calls.get(i);
            JsonNode function = call.get("function");
            if (!(function instanceof ObjectNode)) {
                throw Problem.badInput(at + ".function must be an object");
            }
            String name = string(function.get("name"), at + ".function.name");
            ObjectNode copy = out.addObject();
            if (call.hasNonNull("id")) {
                String id = string(call.get("id"), at + ".id");
                copy.put("id", id);
                callNames.put(id, name);
            }
            copy.put("type", "function");
            ObjectNode fn = copy.putObject("function").put("name", name);
            JsonNode args = function.get("arguments");
            if (args == null || args.isNull()) {
                args = Json.object();
            }
            if (args.isTextual() && objectArguments) {
                args = parseArguments(args.asText(), at + ".function.arguments");
            } else if (args.isObject() && !objectArguments) {
                args = Json.MAPPER.getNodeFactory().textNode(Json.write(args));
            } else if (!args.isTextual() && !args.isObject()) {
                throw Problem.badInput(at + ".function.arguments must be a JSON object or its text");
            }
            fn.set("arguments", args);
        }
        return out;
    }

    private static JsonNode parseArguments(String text, String where) {
        try {
            JsonNode parsed = Json.MAPPER.readTree(text);
            if (parsed == null || !parsed.isObject()) {
                throw Problem.badInput(where + " must be a JSON object");
            }
            return parsed;
        } catch (JsonProcessingException e) {
            throw Problem.badInput(where + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static ArrayNode tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw Problem.badInput("'tools' must be an array");
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            if (!"function".equals(tool.path("type").asText(null))) {
                throw Problem.badInput(at + ".type must be \"function\"");
            }
            if (!(tool.get("function") instanceof ObjectNode function)) {
                throw Problem.badInput(at + ".function must be an object");
            }
            ObjectNode fn = Json.object().put("name", string(function.get("name"), at + ".function.name"));
            if (function.hasNonNull("description")) {
                fn.put("description", string(function.get("description"), at + ".function.description"));
            }
            JsonNode params = function.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw Problem.badInput(at + ".function.parameters must be a JSON schema object");
            }
            if (params == null || params.isNull() || params.isEmpty()) {
                ObjectNode empty = Json.object().put("type", "object");
                empty.putObject("properties");
                params = empty;
            }
            fn.set("parameters", params);
            out.addObject().put("type", "function").set("function", fn);
        }
        return out;
    }

    private static void shortenToolCallIds(ArrayNode messages) {
        for (JsonNode m : messages) {
            for (JsonNode call : m.path("tool_calls")) {
                if (call.hasNonNull("id")) {
                    ((ObjectNode) call).put("id", nineCharId(call.get("id").asText()));
                }
            }
            if (m.hasNonNull("tool_call_id")) {
                ((ObjectNode) m).put("tool_call_id", nineCharId(m.get("tool_call_id").asText()));
            }
        }
    }

    /** The id itself when it is already 9 letters and digits, else 9 derived from its hash. */
    static String nineCharId(String id) {
        if (id.matches("[A-Za-z0-9]{9}")) {
            return id;
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 9; i++) {
                out.append(alphabet.charAt((hash[i] & 0xff) % alphabet.length()));
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The system text goes in front of the next message (llama.cpp joins with a newline); alone, it is dropped. */
    private static void mergeSystemIntoFirstUser(ArrayNode messages) {
        if (messages.isEmpty() || !"system".equals(messages.get(0).path("role").asText())) {
            return;
        }
        String system = messages.get(0).path("content").asText();
        messages.remove(0);
        if (!messages.isEmpty() && messages.get(0) instanceof ObjectNode next) {
            next.put("content", system + "\n" + next.path("content").asText());
        }
    }
}
