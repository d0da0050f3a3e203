package com.mysticanvas.llm.tools;

import java.util.List;

/**
 * Splits generated text, piece by piece as it streams, into content, reasoning and tool calls; holds
 * back text that may be the start of a marker ({@code <tool_call>}, {@code <think>}) until it knows.
 * The same instance serves non-streaming replies: feed everything, then {@link #finish()}.
 * CONTRACT (llm-text implements, llm-engine calls).
 */
public final class ReplySplitter {
    /**
     * @param format        the model's tool-call syntax
     * @param toolsOffered  false: tool-call markup is left as content
     * @param thinking      true: text before {@code </think>} (or in the analysis channel) is reasoning
     */
    public ReplySplitter(ToolCallFormat format, boolean toolsOffered, boolean thinking) {}

    /** Feeds the next piece of generated text; returns what can be emitted now. */
    public List<ReplyDelta> accept(String piece) {
        throw new UnsupportedOperationException("reply splitting not implemented yet (issue 5)");
    }

    /** End of generation: flushes what was held back; unfinished tool-call JSON becomes content. */
    public List<ReplyDelta> finish() {
        throw new UnsupportedOperationException("reply splitting not implemented yet (issue 5)");
    }
}
