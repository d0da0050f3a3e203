package com.mysticanvas.llm.engine;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A request handed to the engine: the caller reads its events and may cancel it (a client that went away);
 * the decode loop drops a cancelled request before its next step, freeing the slot.
 */
public final class Generation {
    private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    /** The next event, or null if none came within the timeout. */
    public GenerationEvent next(long timeout, TimeUnit unit) throws InterruptedException {
        return events.poll(timeout, unit);
    }

    /** Stops the generation; no more events are needed. Idempotent. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    void emit(GenerationEvent event) {
        events.add(event);
    }
}
