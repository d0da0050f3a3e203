package com.mysticanvas.llm.tools;

import java.util.List;

/**
 * Splits replies of models that mark thoughts and tool calls with tags in the text: an optional thought at the
 * start ({@code <think>...</think>}, Mistral {@code [THINK]...[/THINK]}), then content in which tool-call
 * markup of the model's {@link ToolSyntax} may appear. Text that could still turn into a marker is held back;
 * decisions depend only on the text seen so far, so any split of the same reply gives the same result.
 * Whitespace next to markup (after a thought, around calls, at the ends of a thought) is dropped.
 */
final class MarkupSplitter extends Splitter {
    private enum State { START, REASONING, CONTENT, CALL, AFTER_CALL }

    private final ToolSyntax syntax;
    private final boolean toolsOffered;
    private final boolean thinking;
    private final String thinkOpen;
    private final String thinkClose;
    /** Markup around the answer itself, dropped from it. */
    private final List<String> answerMarkers;
    private final List<String> watched;
    private State state;
    /** Whitespace at the start of what comes next is markup padding (after a thought, inside a thought). */
    private boolean trimLeading;
    private boolean thoughtSeen;

    MarkupSplitter(ToolCallFormat format, ToolSchemas tools, boolean toolsOffered, boolean thinking,
                   boolean startsInsideThinking) {
        this.syntax = toolsOffered ? ToolSyntax.of(format, tools) : new ToolSyntax.Plain();
        this.toolsOffered = toolsOffered;
        this.thinking = thinking;
        this.thinkOpen = format.thinkOpen();
        this.thinkClose = format.thinkClose();
        this.answerMarkers = format.answerMarkers();
        this.watched = java.util.stream.Stream.concat(syntax.openers().stream(), answerMarkers.stream()).toList();
        boolean inside = thinking && startsInsideThinking;
        this.state = inside ? State.REASONING : State.START;
        this.thoughtSeen = inside;
        this.trimLeading = inside;
    }

    @Override
    boolean step(Deltas out, boolean atEnd) {
        return switch (state) {
            case START -> start(out, atEnd);
            case REASONING -> reasoning(out, atEnd);
            case CONTENT -> content(out, atEnd);
            case CALL -> call(out, atEnd);
            case AFTER_CALL -> afterCall(out, atEnd);
        };
    }

    /** The beginning of the reply (or of the answer after a thought): a thought or a bare JSON call may open. */
    private boolean start(Deltas out, boolean atEnd) {
        String p = pending.toString();
        int j = ToolSyntax.skipSpace(p, 0);
        if (j == p.length()) {
            if (atEnd) {
                if (!trimLeading) {
                    out.content(p);
                }
                pending.setLength(0);
            }
            return false;
        }
        if (thinking && !thoughtSeen) {
            if (p.startsWith(thinkOpen, j)) {
                pending.delete(0, j + thinkOpen.length());
                thoughtSeen = true;
                trimLeading = true;
                state = State.REASONING;
                return true;
            }
            if (!atEnd && thinkOpen.startsWith(p.substring(j))) {
                return false;
            }
        }
        if (toolsOffered && syntax.bareJson() && p.charAt(j) == '{') {
            pending.delete(0, j);
            state = State.CALL;
            return true;
        }
        if (trimLeading) {
            pending.delete(0, j);
            trimLeading = false;
        }
        state = State.CONTENT;
        return true;
    }

    /** Inside a thought: up to the closing marker; its surrounding whitespace is not part of the thought. */
    private boolean reasoning(Deltas out, boolean atEnd) {
        if (trimLeading) {
            int j = ToolSyntax.skipSpace(pending.toString(), 0);
            pending.delete(0, j);
            if (pending.isEmpty()) {
                return false;
            }
            trimLeading = false;
        }
        String p = pending.toString();
        int close = p.indexOf(thinkClose);
        if (close >= 0) {
            out.reasoning(p.substring(0, close).stripTrailing());
            pending.delete(0, close + thinkClose.length());
            trimLeading = true;
            state = State.START;
            return true;
        }
        if (atEnd) {
            out.reasoning(p.stripTrailing());
            pending.setLength(0);
            return false;
        }
        // keep a possible closing marker and the whitespace before it: the thought's end is not part of it
        int keep = Deltas.heldBack(p, List.of(thinkClose));
        while (keep < p.length() && Character.isWhitespace(p.charAt(p.length() - keep - 1))) {
            keep++;
        }
        out.reasoning(p.substring(0, p.length() - keep));
        pending.delete(0, p.length() - keep);
        return false;
    }

    /** Answer text, watching for the start of tool-call markup. */
    private boolean content(Deltas out, boolean atEnd) {
        String p = pending.toString();
        int at = -1;
        String found = null;
        for (String marker : watched) {
            int i = p.indexOf(marker);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                found = marker;
            }
        }
        if (at >= 0) {
            out.content(p.substring(0, at));
            if (answerMarkers.contains(found)) {
                pending.delete(0, at + found.length());
                return true;
            }
            pending.delete(0, at);
            state = State.CALL;
            return true;
        }
        int keep = atEnd ? 0 : Deltas.heldBack(p, watched);
        out.content(p.substring(0, p.length() - keep));
        pending.delete(0, p.length() - keep);
        return false;
    }

    private boolean call(Deltas out, boolean atEnd) {
        switch (syntax.scan(pending.toString(), atEnd)) {
            case ToolSyntax.Incomplete i -> {
                return false;
            }
            case ToolSyntax.Calls c -> {
                out.calls(c.calls());
                pending.delete(0, c.consumed());
                state = State.AFTER_CALL;
            }
            case ToolSyntax.NotACall n -> {
                out.content(pending.substring(0, n.consumed()));
                pending.delete(0, n.consumed());
                state = State.CONTENT;
            }
        }
        return true;
    }

    /** Between and after calls: another call may follow; other text is content again. */
    private boolean afterCall(Deltas out, boolean atEnd) {
        String p = pending.toString();
        int j = 0;
        while (j < p.length() && (Character.isWhitespace(p.charAt(j)) || (syntax.bareJson() && p.charAt(j) == ';'))) {
            j++;
        }
        if (j == p.length()) {
            if (atEnd) {
                pending.setLength(0);
            }
            return false;
        }
        String rest = p.substring(j);
        for (String opener : syntax.openers()) {
            if (rest.startsWith(opener) || (syntax.bareJson() && rest.charAt(0) == '{')) {
                pending.delete(0, j);
                state = State.CALL;
                return true;
            }
            if (!atEnd && opener.startsWith(rest)) {
                return false;
            }
        }
        pending.delete(0, j);
        state = State.CONTENT;
        return true;
    }
}
