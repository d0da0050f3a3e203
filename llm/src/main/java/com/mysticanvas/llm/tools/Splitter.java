package com.mysticanvas.llm.tools;

import java.util.List;

/**
 * One format's reply splitting, behind {@link ReplySplitter}: text waits in {@link #pending} until a step can
 * decide what it is; steps run until none makes progress.
 */
abstract sealed class Splitter permits MarkupSplitter, HarmonySplitter {
    /** Received and not yet emitted. */
    protected final StringBuilder pending = new StringBuilder();

    final List<ReplyDelta> accept(String piece) {
        pending.append(piece);
        return run(false);
    }

    final List<ReplyDelta> finish() {
        return run(true);
    }

    private List<ReplyDelta> run(boolean atEnd) {
        Deltas out = new Deltas();
        while (step(out, atEnd)) {
            // each step consumed text or changed state
        }
        return out.list();
    }

    /**
     * Emits what the pending text allows in the current state.
     *
     * @param atEnd no more text will come
     * @return true to run another step (the state changed), false to wait for more text
     */
    abstract boolean step(Deltas out, boolean atEnd);
}
