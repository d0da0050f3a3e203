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
    private boolean finished;

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
        this.splitter = format == ToolCallFormat.GPT_OSS ? new HarmonySplitter(toolsOffered, thinking)
                : new MarkupSplitter(format, toolsOffered, thinking, startsInsideThinking);
    }

    /** Feeds the next piece of generated text; returns what can be emitted now. */
    public List<ReplyDelta> accept(String piece) {
        if (finished) {
            throw new IllegalStateException("reply already finished");
        }
        return splitter.accept(piece);
    }

    /** End of generation: flushes what was held back; unfinished tool-call JSON becomes content. */
    public List<ReplyDelta> finish() {
        if (finished) {
            return List.of();
        }
        finished = true;
        return splitter.finish();
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
