package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Llama 3.x: a reply that is a JSON object {@code {"name": .., "parameters": ..}} (several may follow each
 * other, separated by {@code ;}), or {@code <|python_tag|>} followed by such JSON, by a built-in tool call
 * {@code brave_search.call(query="...")}, or by code for the code interpreter (a {@code python} call with
 * argument {@code code}), which runs to the end of the message.
 */
record LlamaSyntax() implements ToolSyntax {
    static final String PYTHON_TAG = "<|python_tag|>";
    private static final Pattern BUILTIN_CALL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\.call\\((.*)\\)",
            Pattern.DOTALL);

    @Override
    public List<String> openers() {
        return List.of(PYTHON_TAG);
    }

    @Override
    public boolean bareJson() {
        return true;
    }

    @Override
    public Scan scan(String text, boolean atEnd) {
        if (!text.startsWith(PYTHON_TAG)) {
            return jsonCall(text, 0, atEnd);
        }
        int i = ToolSyntax.skipSpace(text, PYTHON_TAG.length());
        if (i == text.length()) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        if (text.charAt(i) == '{') {
            return jsonCall(text, i, atEnd);
        }
        if (!atEnd) {
            return INCOMPLETE;
        }
        return new Calls(List.of(codeCall(text.substring(i).strip())), text.length());
    }

    private static Scan jsonCall(String text, int start, boolean atEnd) {
        int end = JsonText.end(text, start);
        if (end == JsonText.INCOMPLETE) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        ReplyDelta.ToolCall call = ToolSyntax.fromJson(JsonText.parse(text.substring(start, end)), null);
        return call == null ? new NotACall(end) : new Calls(List.of(call), end);
    }

    /** {@code tool.call(key="value", n=3)} as a call of {@code tool}; anything else is code for {@code python}. */
    static ReplyDelta.ToolCall codeCall(String code) {
        Matcher m = BUILTIN_CALL.matcher(code);
        if (m.matches()) {
            ObjectNode args = PythonKeywords.parse(m.group(2));
            if (args != null) {
                return new ReplyDelta.ToolCall(ToolCallIds.next(), m.group(1), Json.write(args));
            }
        }
        return new ReplyDelta.ToolCall(ToolCallIds.next(), "python", Json.write(Json.object().put("code", code)));
    }
}
