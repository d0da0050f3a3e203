package com.mysticanvas.llm.api;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.engine.LoadedModel.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Splits a rendered chat prompt into the template's markup (tokenized with special tokens) and the users'
 * texts (tokenized as plain text), by finding each text, in order, in the rendered prompt.
 */
final class PromptSegments {
    private PromptSegments() {}

    /**
     * @param texts  the users' texts in message order
     * @param risky  true for a text holding special-token text: it must be found, or the request is refused
     */
    static List<Segment> split(String rendered, List<String> texts, Predicate<String> risky) {
        List<Segment> segments = new ArrayList<>();
        int cursor = 0;
        for (String text : texts) {
            if (text.isEmpty()) {
                continue;
            }
            String found = text;
            int at = rendered.indexOf(text, cursor);
            if (at < 0 && !text.strip().isEmpty()) {
                found = text.strip(); // templates often trim
                at = rendered.indexOf(found, cursor);
            }
            if (at < 0) {
                if (risky.test(text)) {
                    throw Problem.badInput("a message contains the text of a special token, and the chat "
                            + "template changes that message, so it cannot be kept as plain text; remove the token text");
                }
                continue;
            }
            if (at > cursor) {
                segments.add(new Segment(rendered.substring(cursor, at), true));
            }
            segments.add(new Segment(found, false));
            cursor = at + found.length();
        }
        if (cursor < rendered.length()) {
            segments.add(new Segment(rendered.substring(cursor), true));
        }
        return segments;
    }
}
