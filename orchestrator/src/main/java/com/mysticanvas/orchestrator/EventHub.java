package com.mysticanvas.orchestrator;

import com.mysticanvas.core.Json;
import io.javalin.http.sse.SseClient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /api/events}: pushes worker state (and later image progress) to every open UI as
 * Server-Sent Events. A new client first gets the full picture, then changes as they happen.
 */
final class EventHub implements AutoCloseable {
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final Supplier<Object> snapshot;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sse-heartbeat").factory());

    EventHub(Supplier<Object> snapshot) {
        this.snapshot = snapshot;
        // A comment every 15 s finds clients that went away without closing and keeps proxies from timing out.
        heartbeat.scheduleAtFixedRate(() -> clients.forEach(c -> c.sendComment("keep-alive")), 15, 15, TimeUnit.SECONDS);
    }

    void connect(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        clients.add(client);
        client.sendEvent("workers", Json.write(snapshot.get()));
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
