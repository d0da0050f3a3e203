package com.mysticanvas.orchestrator.events;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseWriter;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /api/events}: pushes worker state, image jobs and other changes to every open UI as Server-Sent Events.
 * A new client first gets the full picture (each registered snapshot), then changes as they happen. Each client
 * is served by its own (virtual) request thread, which waits on its queue and keeps to the stream keep-alive policy.
 */
public final class EventHub implements AutoCloseable {
    /** Events a client may fall behind by before it is dropped (a tab that stopped reading). */
    private static final int MAX_BACKLOG = 10_000;

    private record Event(String name, String json) {}

    private static final Event END = new Event(null, null);

    private final Set<BlockingQueue<Event>> clients = ConcurrentHashMap.newKeySet();
    private final Map<String, Supplier<Object>> snapshots = new LinkedHashMap<>();
    private volatile boolean closed;

    /** What a new client is sent first, as {@code event} (in the order registered); register before serving. */
    public void snapshotOnConnect(String event, Supplier<Object> snapshot) {
        snapshots.put(event, snapshot);
    }

    /** Serves one client until it goes away or the hub closes. */
    public void serve(Context ctx) throws IOException {
        SseWriter sse = SseWriter.open(ctx);
        BlockingQueue<Event> queue = new LinkedBlockingQueue<>(MAX_BACKLOG);
        clients.add(queue); // before the snapshots: a change made meanwhile comes after them, never lost
        try {
            for (Map.Entry<String, Supplier<Object>> s : snapshots.entrySet()) {
                sse.send(s.getKey(), Json.write(s.getValue().get()));
            }
            while (!closed) {
                Event e = queue.poll(SseWriter.KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (e == END) {
                    return;
                }
                if (e == null) {
                    sse.keepAlive();
                } else {
                    sse.send(e.name(), e.json());
                }
            }
        } catch (IOException gone) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(queue);
        }
    }

    public void publish(String event, Object data) {
        Event e = new Event(event, Json.write(data));
        for (BlockingQueue<Event> client : clients) {
            if (!client.offer(e)) {
                clients.remove(client); // too far behind; its thread ends at its next keep-alive write or on END
                client.clear();
                client.offer(END);
            }
        }
    }

    /** Ends every client's stream, so the HTTP server can stop. */
    @Override
    public void close() {
        closed = true;
        clients.forEach(q -> {
            q.clear();
            q.offer(END);
        });
    }
}
