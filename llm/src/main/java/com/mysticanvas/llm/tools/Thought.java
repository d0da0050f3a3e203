package com.mysticanvas.llm.tools;

import com.mysticanvas.llm.grammar.GrammarBuilder;

/**
 * A reasoning model's thought before a grammar-held answer: its markers, whether the prompt already opened it
 * (then the reply starts inside it), and whether it must be empty (a reasoning budget of 0).
 */
public record Thought(String open, String close, boolean opened, boolean empty) {
    public Thought(String open, String close, boolean opened) {
        this(open, close, opened, false);
    }

    /** The thought the reply may (or, once opened, must) begin with, for this template and rendered prompt; null: none. */
    public static Thought of(String template, String renderedPrompt) {
        String source = template == null ? "" : template;
        ToolCallFormat format = ToolCallFormat.detect(source);
        if (format == ToolCallFormat.GPT_OSS || !format.thinks(source)) {
            return null;
        }
        boolean opened = renderedPrompt != null && ReplySplitter.promptOpensThinking(format, renderedPrompt);
        return new Thought(format.thinkOpen(), format.thinkClose(), opened);
    }

    /**
     * As {@link #of(String, String)}, with llama-server's {@code reasoning_budget}: 0 allows no thought (one the
     * prompt opened is closed at once), any other value leaves the thought free.
     */
    public static Thought of(String template, String renderedPrompt, int reasoningBudget) {
        Thought t = of(template, renderedPrompt);
        return t == null || reasoningBudget != 0 ? t : t.opened ? new Thought(t.open, t.close, true, true) : null;
    }

    /** The grammar expression: required when opened, optional otherwise; an empty thought when {@code empty}. */
    public String expression(GrammarBuilder g) {
        if (empty) {
            return g.literal(close) + " [ \\t\\n]*";
        }
        String thought = g.thought(open, close, opened);
        return opened ? thought : thought + "?";
    }
}
