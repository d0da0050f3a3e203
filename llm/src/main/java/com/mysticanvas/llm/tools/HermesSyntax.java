package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code <tool_call>BODY</tool_call>} where BODY is Hermes/Qwen JSON ({@code {"name": .., "arguments": ..}}),
 * Qwen3-Coder XML ({@code <function=NAME><parameter=KEY>VALUE</parameter></function>}) or GLM's
 * {@code NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>}. A missing closing tag is accepted at the end
 * of the reply when the body is complete.
 */
record HermesSyntax() implements ToolSyntax {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    private static final Pattern QWEN_PARAM = Pattern.compile("<parameter=([^>]+)>\\n?(.*?)\\n?</parameter>",
            Pattern.DOTALL);
    private static final Pattern GLM_PAIR = Pattern.compile("<arg_key>(.*?)</arg_key>\\s*<arg_value>(.*?)</arg_value>",
            Pattern.DOTALL);

    @Override
    public List<String> openers() {
        return List.of(OPEN);
    }

    @Override
    public Scan scan(String text, boolean atEnd) {
        int close = text.indexOf(CLOSE, OPEN.length());
        if (close < 0 && !atEnd) {
            return INCOMPLETE;
        }
        String body = close < 0 ? text.substring(OPEN.length()) : text.substring(OPEN.length(), close);
        int consumed = close < 0 ? text.length() : close + CLOSE.length();
        ReplyDelta.ToolCall call = parseBody(body.strip());
        return call == null ? new NotACall(consumed) : new Calls(List.of(call), consumed);
    }

    static ReplyDelta.ToolCall parseBody(String body) {
        if (body.startsWith("{")) {
            return ToolSyntax.fromJson(JsonText.parse(body), null);
        }
        if (body.startsWith("<function=")) {
            int nameEnd = body.indexOf('>');
            if (nameEnd < 0 || !body.contains("</function>")) {
                return null;
            }
            return xmlCall(body.substring("<function=".length(), nameEnd).strip(), QWEN_PARAM.matcher(body));
        }
        int firstKey = body.indexOf("<arg_key>");
        String name = (firstKey < 0 ? body : body.substring(0, firstKey)).strip();
        if (!name.matches("[A-Za-z0-9_.\\-]+")) {
            return null;
        }
        return xmlCall(name, GLM_PAIR.matcher(body));
    }

    /** Key/value text pairs to a JSON object: a value that is JSON (number, true, object ...) stays JSON. */
    private static ReplyDelta.ToolCall xmlCall(String name, Matcher pairs) {
        if (name.isEmpty()) {
            return null;
        }
        ObjectNode args = Json.object();
        while (pairs.find()) {
            String raw = pairs.group(2);
            JsonNode value = JsonText.parse(raw.strip());
            args.set(pairs.group(1).strip(), value != null && !value.isTextual() ? value
                    : Json.MAPPER.getNodeFactory().textNode(raw));
        }
        return new ReplyDelta.ToolCall(ToolCallIds.next(), name, Json.write(args));
    }
}
