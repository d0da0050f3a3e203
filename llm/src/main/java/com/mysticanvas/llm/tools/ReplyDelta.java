package com.mysticanvas.llm.tools;

import java.util.List;

/** A piece of a model's reply, split by meaning. */
public sealed interface ReplyDelta {
    /** Visible answer text. */
    record Content(String text) implements ReplyDelta {}

    /** Thinking text ({@code <think>...</think>} or the model's analysis channel) for {@code reasoning_content}. */
    record Reasoning(String text) implements ReplyDelta {}

    /** Complete tool calls, emitted once each is fully parsed. */
    record ToolCalls(List<ToolCall> calls) implements ReplyDelta {}

    /** One call: {@code id} like {@code call_<random>}, {@code arguments} a JSON object as text (OpenAI shape). */
    record ToolCall(String id, String name, String arguments) {}
}
