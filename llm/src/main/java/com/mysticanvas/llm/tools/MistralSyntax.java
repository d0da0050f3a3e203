package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Mistral's {@code [TOOL_CALLS]} followed either by a JSON array of {@code {"name", "arguments", "id"}} objects
 * (v3 tokenizers) or by {@code NAME[ARGS]{...}}, optionally {@code NAME[CALL_ID]ID[ARGS]{...}} (Mistral Small
 * 3.2, Devstral, Magistral, Ministral 3); each further call repeats the marker.
 */
record MistralSyntax() implements ToolSyntax {
    static final String MARKER = "[TOOL_CALLS]";
    private static final String ARGS = "[ARGS]";
    private static final String CALL_ID = "[CALL_ID]";

    @Override
    public List<String> openers() {
        return List.of(MARKER);
    }

    @Override
    public Scan scan(String text, boolean atEnd) {
        int i = ToolSyntax.skipSpace(text, MARKER.length());
        if (i == text.length()) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        if (text.charAt(i) == '[') {
            return jsonArray(text, i, atEnd);
        }
        int j = i;
        while (j < text.length() && isNameChar(text.charAt(j))) {
            j++;
        }
        if (j == i) {
            return new NotACall(i);
        }
        String id = null;
        if (j == text.length() || isPartial(text, j, CALL_ID) || isPartial(text, j, ARGS)) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        int k = j;
        if (text.startsWith(CALL_ID, k)) {
            int idStart = k + CALL_ID.length();
            int bracket = text.indexOf('[', idStart);
            if (bracket < 0 || isPartial(text, bracket, ARGS)) {
                return atEnd ? new NotACall(text.length()) : INCOMPLETE;
            }
            id = text.substring(idStart, bracket).strip();
            k = bracket;
        }
        if (!text.startsWith(ARGS, k)) {
            return new NotACall(k);
        }
        return ToolSyntax.argumentsAt(text, k + ARGS.length(), atEnd, text.substring(i, j), id);
    }

    private static Scan jsonArray(String text, int start, boolean atEnd) {
        int end = JsonText.end(text, start);
        if (end == JsonText.INCOMPLETE) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        JsonNode array = JsonText.parse(text.substring(start, end));
        if (array == null || !array.isArray() || array.isEmpty()) {
            return new NotACall(end);
        }
        List<ReplyDelta.ToolCall> calls = new ArrayList<>();
        for (JsonNode item : array) {
            ReplyDelta.ToolCall call = ToolSyntax.fromJson(item, null);
            if (call == null) {
                return new NotACall(end);
            }
            calls.add(call);
        }
        return new Calls(calls, end);
    }

    /** The text from {@code at} is a beginning of {@code marker} but stops before it ends. */
    private static boolean isPartial(String text, int at, String marker) {
        int available = text.length() - at;
        return available < marker.length() && marker.startsWith(text.substring(at));
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.';
    }
}
