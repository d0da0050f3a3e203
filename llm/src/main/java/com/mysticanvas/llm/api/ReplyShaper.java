package com.mysticanvas.llm.api;

import com.mysticanvas.llm.tools.ReplyDelta;
import com.mysticanvas.llm.tools.ReplySplitter;
import java.util.List;

/** Splits a chat reply as it streams into content, reasoning and tool calls (or passes it through as content). */
interface ReplyShaper {
    List<ReplyDelta> accept(String piece);

    List<ReplyDelta> finish();

    /** Whether it reads markers in the reply (then control tokens must come through as their text). */
    default boolean splits() {
        return true;
    }

    /** Everything is visible content. */
    static ReplyShaper plain() {
        return new ReplyShaper() {
            @Override
            public List<ReplyDelta> accept(String piece) {
                return piece.isEmpty() ? List.of() : List.of(new ReplyDelta.Content(piece));
            }

            @Override
            public List<ReplyDelta> finish() {
                return List.of();
            }

            @Override
            public boolean splits() {
                return false;
            }
        };
    }

    static ReplyShaper of(ReplySplitter splitter) {
        return new ReplyShaper() {
            @Override
            public List<ReplyDelta> accept(String piece) {
                return splitter.accept(piece);
            }

            @Override
            public List<ReplyDelta> finish() {
                return splitter.finish();
            }
        };
    }
}
