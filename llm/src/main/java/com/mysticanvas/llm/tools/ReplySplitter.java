package com.mysticanvas.llm.tools;

import java.util.List;

/**
 * Splits generated text, piece by piece as it streams, into content, reasoning and tool calls; holds
 * back text that may be the start of a marker ({@code <tool_call>}, {@code <think>}) until it knows.
 * The same instance serves non-streaming replies: feed everything, then {@link #finish()}.
 *
 * <p>The markers are special tokens in most vocabularies: detokenize with special tokens rendered as text so
 * they reach the splitter. Whatever way a reply is cut into pieces, the deltas joined per kind are the same.
 * Not thread-safe: one instance per reply.
 */
public final class ReplySplitter {
    private final Splitter splitter;
    private final ToolCallFormat format;
    private boolean finished;
    private int callsLeft = Integer.MAX_VALUE;

    /**
     * @param format        the model's tool-call syntax
     * @param toolsOffered  false: tool-call markup is left as content
     * @param thinking      true: text before {@code </think>} (or in the analysis channel) is reasoning
     */
    public ReplySplitter(ToolCallFormat format, boolean toolsOffered, boolean thinking) {
        this(format, toolsOffered, thinking, false);
    }

    /**
     * @param startsInsideThinking the prompt already opened the thought (see {@link #promptOpensThinking}), so the
     *                             reply begins as reasoning until the closing marker
     */
    public ReplySplitter(ToolCallFormat format, boolean toolsOffered, boolean thinking, boolean startsInsideThinking) {
        this(format, null, toolsOffered, thinking, startsInsideThinking);
    }

    /**
     * @param tools the request's {@code tools} (or null): their parameter schemas type arguments that a family
     *              writes as raw text between tags
     */
    public ReplySplitter(ToolCallFormat format, com.fasterxml.jackson.databind.JsonNode tools, boolean toolsOffered,
                         boolean thinking, boolean startsInsideThinking) {
        this.format = format;
        this.splitter = format == ToolCallFormat.GPT_OSS ? new HarmonySplitter(toolsOffered, thinking)
                : new MarkupSplitter(format, tools == null ? ToolSchemas.NONE : new ToolSchemas(tools), toolsOffered,
                thinking, startsInsideThinking);
    }

    /**
     * Before the reply: when the prompt ends with a tool-call marker (Functionary's {@code >>>}), the reply
     * continues it, so the splitter reads it first (it emits nothing by itself).
     */
    public void continuePrompt(String renderedPrompt) {
        if (format == ToolCallFormat.FUNCTIONARY && renderedPrompt.endsWith(FunctionarySyntax.MARKER)) {
            splitter.accept(FunctionarySyntax.MARKER);
        }
    }

    /** Feeds the next piece of generated text; returns what can be emitted now. */
    public List<ReplyDelta> accept(String piece) {
        if (finished) {
            throw new IllegalStateException("reply already finished");
        }
        return limited(splitter.accept(piece));
    }

    /** OpenAI's {@code parallel_tool_calls: false}: calls after the first are dropped. */
    public void oneCallOnly() {
        callsLeft = 1;
    }

    private List<ReplyDelta> limited(List<ReplyDelta> deltas) {
        if (callsLeft == Integer.MAX_VALUE) {
            return deltas;
        }
        List<ReplyDelta> out = new java.util.ArrayList<>(deltas.size());
        for (ReplyDelta d : deltas) {
            if (d instanceof ReplyDelta.ToolCalls calls) {
                List<ReplyDelta.ToolCall> kept = calls.calls().subList(0, Math.min(callsLeft, calls.calls().size()));
                callsLeft -= kept.size();
                if (!kept.isEmpty()) {
                    out.add(new ReplyDelta.ToolCalls(List.copyOf(kept)));
                }
            } else {
                out.add(d);
            }
        }
        return out;
    }

    /** End of generation: flushes what was held back; unfinished tool-call JSON becomes content. */
    public List<ReplyDelta> finish() {
        if (finished) {
            return List.of();
        }
        finished = true;
        return limited(splitter.finish());
    }

    /**
     * Whether a rendered prompt leaves a thought open for the model to continue (DeepSeek-R1 and QwQ templates
     * end the generation prompt with {@code <think>\n}): its last opening marker comes after its last closing one
     * with only whitespace after it.
     */
    public static boolean promptOpensThinking(ToolCallFormat format, String prompt) {
        String open = format.thinkOpen();
        String trimmed = prompt.stripTrailing();
        return trimmed.endsWith(open) && trimmed.lastIndexOf(open) > trimmed.lastIndexOf(format.thinkClose());
    }
}
