package com.mysticanvas.orchestrator.http;

import com.mysticanvas.core.Problem;
import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests being served and worker streams being read, so shutdown can be graceful within a bound:
 * new requests get a 503, open worker streams are closed (a chat reply or image job in flight then
 * ends the way it does when its worker fails: what was generated is saved, marked incomplete), and
 * the handlers get a few seconds to finish before the server stops.
 */
public final class InFlight {
    private final AtomicInteger requests = new AtomicInteger();
    private final Semaphore streamSlots;
    private final int maxStreams;
    private final Set<InputStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    /** A held event-stream slot; closing it frees the slot. */
    public interface StreamSlot extends AutoCloseable {
        @Override
        void close();
    }

    public InFlight(int maxStreams) {
        this.maxStreams = maxStreams;
        this.streamSlots = new Semaphore(maxStreams);
    }

    /** Takes one of the {@code --max-streams} slots for a relayed event stream, or answers 429. */
    public StreamSlot streamSlot() {
        if (!streamSlots.tryAcquire()) {
            throw Problem.busy(maxStreams + " streams are open already (--max-streams); try again when one ends");
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                streamSlots.release();
            }
        };
    }

    public void enter(Context ctx) {
        if (closing) {
            throw Problem.unavailable("shutting_down", "MystiCanvas is shutting down");
        }
        if (!ctx.path().equals("/api/events")) { // an open event stream is not work to wait for
            requests.incrementAndGet();
            ctx.attribute("mysti.inflight", Boolean.TRUE);
        }
    }

    public void exit(Context ctx) {
        if (ctx.attribute("mysti.inflight") != null) {
            requests.decrementAndGet();
        }
    }

    /** Registers a worker stream until it is closed, and frees {@code slot} then. */
    public InputStream track(InputStream in, StreamSlot slot) {
        InputStream tracked = new FilterInputStream(in) {
            @Override
            public void close() throws IOException {
                streams.remove(this);
                slot.close();
                super.close();
            }
        };
        streams.add(tracked);
        if (closing) {
            closeQuietly(tracked);
        }
        return tracked;
    }

    /** Refuses new work, ends the streams in flight and waits up to {@code bound} for handlers to finish. */
    public void drain(Duration bound) {
        closing = true;
        streams.forEach(InFlight::closeQuietly);
        long deadline = System.nanoTime() + bound.toNanos();
        while (requests.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing on the way out
        }
    }
}
