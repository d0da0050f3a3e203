package com.mysticanvas.llm.tools;

import java.util.List;

/** One format's reply splitting, behind {@link ReplySplitter}. */
sealed interface Splitter permits MarkupSplitter, HarmonySplitter {
    List<ReplyDelta> accept(String piece);

    List<ReplyDelta> finish();
}
