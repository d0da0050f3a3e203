package com.mysticanvas.llm.template;

import com.mysticanvas.llm.template.jinja.TemplateException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;

import java.time.Clock;

/**
 * What a chat template does with the parts of a conversation, found by rendering probe conversations and
 * looking for marker strings in the output (the approach of llama.cpp's template capability check).
 *
 * @param systemRole       a system message's text reaches the prompt (else: merge it into the first user message)
 * @param tools            tool definitions reach the prompt
 * @param toolCalls        an assistant message's tool calls reach the prompt
 * @param objectArguments  tool-call arguments are rendered properly when given as a JSON object (Llama 3.x,
 *                         Hermes, Qwen use {@code arguments | tojson}); false: pass them as the JSON text
 */
public record TemplateCapabilities(boolean systemRole, boolean tools, boolean toolCalls, boolean objectArguments) {
    private static final String SYSTEM_MARK = "SYSTEM_PROBE_7f3a";
    private static final String TOOL_NAME = "probe_tool_7f3a";
    private static final String ARG_VALUE = "probe_value_7f3a";
    private static final String ARGS_JSON = "{\"probe_arg\": \"" + ARG_VALUE + "\"}";

    static TemplateCapabilities probe(ChatTemplate template) {
        boolean system = systemRole(template);
        String withObjects = render(template, toolConversation(true));
        String withText = render(template, toolConversation(false));
        String any = withObjects != null ? withObjects : withText;
        boolean tools = any != null && any.contains(TOOL_NAME);
        boolean toolCalls = (withObjects != null && withObjects.contains(ARG_VALUE))
                || (withText != null && withText.contains(ARG_VALUE));
        boolean objects = withObjects != null && withObjects.contains(ARG_VALUE)
                && !withObjects.contains("{'probe_arg'");
        return new TemplateCapabilities(system, tools, toolCalls, objects);
    }

    /** Supported unless the system text vanishes, or a system message alone makes rendering fail. */
    private static boolean systemRole(ChatTemplate template) {
        ArrayNode withSystem = Json.MAPPER.createArrayNode();
        withSystem.addObject().put("role", "system").put("content", SYSTEM_MARK);
        withSystem.addObject().put("role", "user").put("content", "Hello");
        String rendered = render(template, variables(withSystem, null));
        if (rendered != null) {
            return rendered.contains(SYSTEM_MARK);
        }
        ArrayNode userOnly = Json.MAPPER.createArrayNode();
        userOnly.addObject().put("role", "user").put("content", "Hello");
        return render(template, variables(userOnly, null)) == null;
    }

    private static ObjectNode toolConversation(boolean objectArguments) {
        ArrayNode messages = Json.MAPPER.createArrayNode();
        messages.addObject().put("role", "user").put("content", "Use the tool");
        ObjectNode assistant = messages.addObject().put("role", "assistant").put("content", "");
        ObjectNode call = assistant.putArray("tool_calls").addObject()
                .put("id", "call00001").put("type", "function");
        ObjectNode function = call.putObject("function").put("name", TOOL_NAME);
        if (objectArguments) {
            function.putObject("arguments").put("probe_arg", ARG_VALUE);
        } else {
            function.put("arguments", ARGS_JSON);
        }
        messages.addObject().put("role", "tool").put("tool_call_id", "call00001").put("content", "result");
        messages.addObject().put("role", "assistant").put("content", "Done");
        messages.addObject().put("role", "user").put("content", "Thanks");
        ArrayNode tools = Json.MAPPER.createArrayNode();
        ObjectNode fn = tools.addObject().put("type", "function").putObject("function")
                .put("name", TOOL_NAME).put("description", "A probe");
        ObjectNode params = fn.putObject("parameters").put("type", "object");
        // A parameter name unlike the call's argument key, so a repr of the schema is not taken for the call.
        params.putObject("properties").putObject("location").put("type", "string");
        return variables(messages, tools);
    }

    private static ObjectNode variables(ArrayNode messages, ArrayNode tools) {
        ObjectNode vars = Json.object();
        vars.set("messages", messages);
        if (tools != null) {
            vars.set("tools", tools);
        }
        vars.put("add_generation_prompt", true).put("bos_token", "").put("eos_token", "");
        return vars;
    }

    /** The output, or null when the template refuses this conversation. */
    private static String render(ChatTemplate template, ObjectNode variables) {
        try {
            return template.renderPrompt(variables, Clock.systemUTC()).text();
        } catch (TemplateException e) {
            return null;
        }
    }
}
