package com.mysticanvas.llm.tools;

import java.util.ArrayList;
import java.util.List;

/** Collects what one call of the splitter emits, joining neighbours of the same kind and dropping empty text. */
final class Deltas {
    private final List<ReplyDelta> list = new ArrayList<>();

    void content(String text) {
        if (text.isEmpty()) {
            return;
        }
        if (!list.isEmpty() && list.getLast() instanceof ReplyDelta.Content c) {
            list.set(list.size() - 1, new ReplyDelta.Content(c.text() + text));
        } else {
            list.add(new ReplyDelta.Content(text));
        }
    }

    void reasoning(String text) {
        if (text.isEmpty()) {
            return;
        }
        if (!list.isEmpty() && list.getLast() instanceof ReplyDelta.Reasoning r) {
            list.set(list.size() - 1, new ReplyDelta.Reasoning(r.text() + text));
        } else {
            list.add(new ReplyDelta.Reasoning(text));
        }
    }

    void calls(List<ReplyDelta.ToolCall> calls) {
        if (calls.isEmpty()) {
            return;
        }
        if (!list.isEmpty() && list.getLast() instanceof ReplyDelta.ToolCalls t) {
            List<ReplyDelta.ToolCall> all = new ArrayList<>(t.calls());
            all.addAll(calls);
            list.set(list.size() - 1, new ReplyDelta.ToolCalls(List.copyOf(all)));
        } else {
            list.add(new ReplyDelta.ToolCalls(List.copyOf(calls)));
        }
    }

    List<ReplyDelta> list() {
        return List.copyOf(list);
    }

    /** How many trailing characters of {@code text} could be the start of one of the markers. */
    static int heldBack(CharSequence text, List<String> markers) {
        int longest = 0;
        for (String m : markers) {
            for (int k = Math.min(m.length() - 1, text.length()); k > longest; k--) {
                if (m.regionMatches(0, text.toString(), text.length() - k, k)) {
                    longest = k;
                    break;
                }
            }
        }
        return longest;
    }
}
