package com.mysticanvas.llm.template;

import java.util.List;

/**
 * A rendered chat prompt that knows which characters came from the request (message text, tool definitions and
 * arguments) and which from the template. Tokenize template segments with special-token parsing and request
 * segments without it, so a user who types {@code <|im_end|>} gets those characters, not the control token.
 * (Tokenizing segment by segment can split a word differently at a boundary; the alternative is to tokenize
 * {@link #text()} whole and honour only special tokens that lie inside template segments.)
 *
 * @param text     the whole prompt
 * @param segments consecutive pieces of {@code text}, neighbours differ in origin
 */
public record RenderedPrompt(String text, List<Segment> segments) {
    /** A piece of the prompt; {@code fromRequest} true for request data. */
    public record Segment(String text, boolean fromRequest) {}

    public RenderedPrompt {
        segments = List.copyOf(segments);
    }
}
