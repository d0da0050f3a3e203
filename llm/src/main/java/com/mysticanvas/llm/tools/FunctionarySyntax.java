package com.mysticanvas.llm.tools;

import java.util.List;

/**
 * Functionary v3.2: every message part starts with {@code >>>RECIPIENT\n}; a function name is followed by its JSON
 * arguments, {@code all} by text for the user.
 */
record FunctionarySyntax() implements ToolSyntax {
    static final String MARKER = ">>>";
    private static final String TO_USER = "all";

    @Override
    public List<String> openers() {
        return List.of(MARKER);
    }

    @Override
    public Scan scan(String text, boolean atEnd) {
        int newline = text.indexOf('\n', MARKER.length());
        if (newline < 0) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        String recipient = text.substring(MARKER.length(), newline).strip();
        if (recipient.equals(TO_USER)) {
            return new Calls(List.of(), newline + 1); // the marker is markup; the answer follows
        }
        if (!recipient.matches("[A-Za-z0-9_.\\-]+")) {
            return new NotACall(newline + 1);
        }
        return ToolSyntax.argumentsAt(text, newline + 1, atEnd, recipient, null);
    }
}
