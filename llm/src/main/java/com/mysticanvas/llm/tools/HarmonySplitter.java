package com.mysticanvas.llm.tools;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gpt-oss's harmony format: messages {@code [<|start|>assistant] HEADER <|message|> BODY <|end|>}, where the
 * header names a channel ({@code <|channel|>analysis}, {@code final}, {@code commentary}) and maybe a recipient
 * ({@code to=functions.NAME}, in the role part or after the channel). Analysis is reasoning, final (and
 * commentary without a recipient) is content, a message to {@code functions.NAME} is a tool call whose body is
 * the JSON arguments, ended by {@code <|call|>} (or by the end of the reply, as {@code <|call|>} stops
 * generation). Messages to other recipients (built-in tools nobody offered) are kept as content.
 */
final class HarmonySplitter extends Splitter {
    private static final String START = "<|start|>";
    private static final String MESSAGE = "<|message|>";
    private static final String CHANNEL = "<|channel|>";
    private static final String END = "<|end|>";
    private static final String CALL = "<|call|>";
    private static final String RETURN = "<|return|>";
    private static final List<String> BODY_ENDS = List.of(END, CALL, RETURN, START);
    private static final Pattern RECIPIENT = Pattern.compile("to=([^\\s<]+)");
    private static final Pattern CHANNEL_NAME = Pattern.compile("<\\|channel\\|>\\s*([A-Za-z]+)");

    private enum State { HEADER, BODY, BETWEEN }

    private enum Kind { REASONING, CONTENT, CALL }

    private final boolean toolsOffered;
    private final boolean thinking;
    private State state = State.HEADER;
    private boolean firstHeader = true;
    private Kind kind;
    private String function;

    HarmonySplitter(boolean toolsOffered, boolean thinking) {
        this.toolsOffered = toolsOffered;
        this.thinking = thinking;
    }

    @Override
    boolean step(Deltas out, boolean atEnd) {
        return switch (state) {
            case HEADER -> header(atEnd);
            case BODY -> body(out, atEnd);
            case BETWEEN -> between(atEnd);
        };
    }

    /** Up to {@code <|message|>}. A reply that does not open with a header is plain answer text. */
    private boolean header(boolean atEnd) {
        String p = pending.toString();
        if (firstHeader) {
            String t = p.stripLeading();
            boolean header = t.startsWith("<|") || t.startsWith("to=");
            boolean maybeHeader = "<|".startsWith(t) || "to=".startsWith(t);
            if (!header && !(maybeHeader && !atEnd)) {
                if (t.isEmpty()) {
                    return false;
                }
                kind = Kind.CONTENT;
                function = null;
                state = State.BODY;
                firstHeader = false;
                return true;
            }
        }
        int m = p.indexOf(MESSAGE);
        if (m < 0) {
            if (atEnd) {
                pending.setLength(0); // an unfinished header carries no text
            }
            return false;
        }
        String header = p.substring(0, m);
        pending.delete(0, m + MESSAGE.length());
        firstHeader = false;
        String channel = "final";
        Matcher c = CHANNEL_NAME.matcher(header);
        while (c.find()) {
            channel = c.group(1);
        }
        String recipient = null;
        Matcher r = RECIPIENT.matcher(header);
        while (r.find()) {
            if (!r.group(1).equals("assistant")) {
                recipient = r.group(1);
            }
        }
        function = recipient != null && recipient.startsWith("functions.")
                ? recipient.substring("functions.".length()) : null;
        if (function != null && toolsOffered) {
            kind = Kind.CALL;
        } else {
            kind = channel.equals("analysis") && recipient == null && thinking ? Kind.REASONING : Kind.CONTENT;
        }
        state = State.BODY;
        return true;
    }

    private boolean body(Deltas out, boolean atEnd) {
        String p = pending.toString();
        int at = -1;
        String marker = null;
        for (String end : BODY_ENDS) {
            int i = p.indexOf(end);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                marker = end;
            }
        }
        if (at < 0 && !atEnd) {
            if (kind != Kind.CALL) {
                int keep = Deltas.heldBack(p, BODY_ENDS);
                emit(out, p.substring(0, p.length() - keep));
                pending.delete(0, p.length() - keep);
            }
            return false;
        }
        int bodyEnd = at < 0 ? p.length() : at;
        emit(out, p.substring(0, bodyEnd));
        // a <|start|> stays for the next message; other end markers are consumed
        pending.delete(0, START.equals(marker) ? bodyEnd : at < 0 ? p.length() : bodyEnd + marker.length());
        state = State.BETWEEN;
        return at >= 0;
    }

    private void emit(Deltas out, String text) {
        switch (kind) {
            case REASONING -> out.reasoning(text);
            case CONTENT -> out.content(text);
            case CALL -> {
                String arguments = JsonText.arguments(JsonText.parse(text.strip()));
                if (arguments != null) {
                    out.calls(List.of(new ReplyDelta.ToolCall(ToolCallIds.next(), function, arguments)));
                } else {
                    out.content(text);
                }
            }
        }
    }

    /** After a message: the next starts with {@code <|start|>} (or directly with its header). */
    private boolean between(boolean atEnd) {
        String p = pending.toString();
        int j = ToolSyntax.skipSpace(p, 0);
        String rest = p.substring(j);
        if (rest.startsWith(START)) {
            pending.delete(0, j + START.length());
            state = State.HEADER;
            return true;
        }
        if (rest.isEmpty() || (!atEnd && (START.startsWith(rest) || CHANNEL.startsWith(rest) || "to=".startsWith(rest)))) {
            if (atEnd) {
                pending.setLength(0);
            }
            return false;
        }
        pending.delete(0, j);
        if (rest.startsWith(CHANNEL) || rest.startsWith("to=")) {
            state = State.HEADER;
        } else {
            kind = Kind.CONTENT;
            state = State.BODY;
        }
        return true;
    }
}
