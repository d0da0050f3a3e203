package com.mysticanvas.orchestrator;

import com.mysticanvas.core.Json;
import io.javalin.http.sse.SseClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /api/events}: pushes worker state, image jobs and other changes to every open UI as
 * Server-Sent Events. A new client first gets the full picture (each registered snapshot), then
 * changes as they happen.
 */
final class EventHub implements AutoCloseable {
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final Map<String, Supplier<Object>> snapshots = new LinkedHashMap<>();
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sse-heartbeat").factory());

    EventHub() {
        // A comment every 15 s finds clients that went away without closing and keeps proxies from timing out.
        heartbeat.scheduleAtFixedRate(() -> clients.forEach(c -> c.sendComment("keep-alive")), 15, 15, TimeUnit.SECONDS);
    }

    /** What a new client is sent first, as {@code event} (in the order registered); register before serving. */
    void snapshotOnConnect(String event, Supplier<Object> snapshot) {
        snapshots.put(event, snapshot);
    }

    void connect(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        clients.add(client);
        snapshots.forEach((event, snapshot) -> client.sendEvent(event, Json.write(snapshot.get())));
    }

    void publish(String event, Object data) {
        String json = Json.write(data);
        for (SseClient client : clients) {
            if (client.terminated()) {
                clients.remove(client);
            } else {
                client.sendEvent(event, json);
            }
        }
    }

    @Override
    public void close() {
        // Stopping the HTTP server ends the open streams; SseClient.close() at that point spins in Javalin 7.2.3.
        heartbeat.shutdownNow();
        clients.clear();
    }
}
