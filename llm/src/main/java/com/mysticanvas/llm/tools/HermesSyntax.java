package com.mysticanvas.llm.tools;

import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code <tool_call>BODY</tool_call>} where BODY is Hermes/Qwen JSON ({@code {"name": .., "arguments": ..}}),
 * Qwen3-Coder XML ({@code <function=NAME><parameter=KEY>VALUE</parameter></function>}) or GLM's
 * {@code NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>}. A missing closing tag is accepted at the end
 * of the reply when the body is complete.
 */
record HermesSyntax(ToolSchemas schemas) implements ToolSyntax {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    /** Qwen3-Coder's call element, also ByteDance Seed-OSS's. */
    static final Pattern FUNCTION_EQUALS = Pattern.compile("<function=(?<name>[^>]+)>(?<body>.*?)</function>", Pattern.DOTALL);
    static final Pattern PARAMETER_EQUALS = Pattern.compile("<parameter=(?<key>[^>]+)>(?<value>.*?)</parameter>", Pattern.DOTALL);
    private static final Pattern GLM_CALL = Pattern.compile("^\\s*(?<name>[A-Za-z0-9_.\\-]+)\\s*(?<body>(?:<arg_key>.*)?)$",
            Pattern.DOTALL);
    private static final Pattern GLM_PAIR = Pattern.compile(
            "<arg_key>(?<key>.*?)</arg_key>\\s*<arg_value>(?<value>.*?)</arg_value>", Pattern.DOTALL);

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
        List<ReplyDelta.ToolCall> calls = parseBody(body.strip());
        return calls == null || calls.size() != 1 ? new NotACall(consumed) : new Calls(calls, consumed);
    }

    private List<ReplyDelta.ToolCall> parseBody(String body) {
        if (body.startsWith("{")) {
            ReplyDelta.ToolCall call = ToolSyntax.fromJson(JsonText.parse(body), null);
            return call == null ? null : List.of(call);
        }
        if (body.startsWith("<function=")) {
            return CallReaders.xml(FUNCTION_EQUALS, PARAMETER_EQUALS, schemas).read(body);
        }
        return CallReaders.xml(GLM_CALL, GLM_PAIR, schemas).read(body);
    }
}
