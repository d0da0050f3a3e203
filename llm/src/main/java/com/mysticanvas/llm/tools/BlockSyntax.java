package com.mysticanvas.llm.tools;

import java.util.List;

/**
 * Tool calls in a block of markup that starts with one of {@code openers} and ends with the matching one of
 * {@code closes} (one close serves every opener; none: the block ends with the JSON value that follows the
 * opener); {@code reader} reads the calls in it. A block whose closing marker never comes is read at the end of
 * the reply; one that holds no well-formed call is content after all.
 */
record BlockSyntax(List<String> openers, List<String> closes, CallReaders.CallReader reader) implements ToolSyntax {
    BlockSyntax(String opener, String close, CallReaders.CallReader reader) {
        this(List.of(opener), close == null ? List.of() : List.of(close), reader);
    }

    /** A block that ends with the JSON value after its opener. */
    static BlockSyntax json(List<String> openers, CallReaders.CallReader reader) {
        return new BlockSyntax(openers, List.of(), reader);
    }

    @Override
    public Scan scan(String text, boolean atEnd) {
        int which = 0;
        while (!text.startsWith(openers.get(which))) {
            which++;
        }
        String opener = openers.get(which);
        int consumed;
        if (closes.isEmpty()) {
            int json = ToolSyntax.skipSpace(text, opener.length());
            if (json == text.length()) {
                return atEnd ? new NotACall(text.length()) : INCOMPLETE;
            }
            if (text.charAt(json) != '{' && text.charAt(json) != '[') {
                return new NotACall(json);
            }
            int end = JsonText.end(text, json);
            if (end == JsonText.INCOMPLETE) {
                return atEnd ? new NotACall(text.length()) : INCOMPLETE;
            }
            consumed = end;
        } else {
            String close = closes.get(Math.min(which, closes.size() - 1));
            int at = text.indexOf(close, opener.length());
            if (at < 0 && !atEnd) {
                return INCOMPLETE;
            }
            consumed = at < 0 ? text.length() : at + close.length();
        }
        List<ReplyDelta.ToolCall> calls = reader.read(text.substring(0, consumed));
        return calls == null ? new NotACall(consumed) : new Calls(calls, consumed);
    }
}
