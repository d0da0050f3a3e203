package com.mysticanvas.orchestrator.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.workers.SdWorkerApi;
import com.mysticanvas.orchestrator.workers.WorkerStatus;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Relays every image job of the SD worker (the studio's, an A1111 script's, an OpenAI client's) to the
 * UIs as {@code image-job} events on {@code /api/events}. It listens to the worker's
 * {@code /v1/images/jobs/events} from the moment that worker is ready, and again after each restart, and
 * keeps the jobs not yet ended so that a UI connecting later is told them first ({@code image-jobs}).
 */
public final class ImageJobRelay implements AutoCloseable {
    private static final Set<String> ENDED = Set.of("done", "failed", "cancelled");

    private final SdWorkerApi sd;
    private final BiConsumer<String, Object> publish;
    private final Map<String, JsonNode> active = new ConcurrentHashMap<>(); // job id -> its latest event, until it ends
    private Long listeningTo; // the worker pid whose events are being read; guarded by this
    private SseReader open; // guarded by this
    private boolean closed; // guarded by this

    public ImageJobRelay(SdWorkerApi sd, BiConsumer<String, Object> publish) {
        this.sd = sd;
        this.publish = publish;
    }

    /** Hears every worker status; a ready SD worker that nobody listens to yet gets a listener. */
    public void onWorker(WorkerStatus status) {
        if (status.kind() != WorkerKind.SD || !status.ready() || status.pid() == null) {
            return;
        }
        synchronized (this) {
            if (closed || status.pid().equals(listeningTo)) {
                return;
            }
            listeningTo = status.pid();
        }
        Long pid = status.pid();
        Thread.ofVirtual().name("image-job-relay").start(() -> relay(pid));
    }

    private void relay(Long pid) {
        try (SseReader events = sd.jobEvents()) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                open = events;
            }
            for (SseReader.Event e = events.next(); e != null; e = events.next()) {
                if (!e.isComment()) {
                    JsonNode job = Json.parse(e.data());
                    String id = job.path("job").asText();
                    if (ENDED.contains(job.path("state").asText())) {
                        active.remove(id);
                    } else {
                        active.put(id, job);
                    }
                    publish.accept("image-job", job);
                }
            }
        } catch (IOException | Problem e) {
            // the worker went away or is not ready; its next ready status starts a new listener
        } finally {
            synchronized (this) {
                // The stream ended (worker gone, or the connection dropped): the next ready status listens again.
                // A listener for a newer worker may be running already: then leave its state alone.
                if (Objects.equals(listeningTo, pid)) {
                    listeningTo = null;
                    open = null;
                    active.clear(); // the jobs went with the worker, or are told again on reconnecting
                }
            }
        }
    }

    /** The jobs queued or running now, as their latest {@code image-job} events. */
    public List<JsonNode> active() {
        return List.copyOf(active.values());
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
