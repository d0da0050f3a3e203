package com.mysticanvas.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
final class ImageJobRelay implements AutoCloseable {
    private static final Set<String> ENDED = Set.of("done", "failed", "cancelled");

    private final WorkerClient workers;
    private final BiConsumer<String, Object> publish;
    private final Map<String, JsonNode> active = new ConcurrentHashMap<>(); // job id -> its latest event, until it ends
    private Long listeningTo; // the worker pid whose events are being read; guarded by this
    private InputStream open; // guarded by this
    private boolean closed; // guarded by this

    ImageJobRelay(WorkerClient workers, BiConsumer<String, Object> publish) {
        this.workers = workers;
        this.publish = publish;
    }

    /** Hears every worker status; a ready SD worker that nobody listens to yet gets a listener. */
    void onWorker(WorkerStatus status) {
        if (!status.name().equals(WorkerKind.SD.id()) || !status.state().equals("ready") || status.pid() == null) {
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
        try (InputStream in = workers.openEvents(WorkerKind.SD, "/v1/images/jobs/events");
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                open = in;
            }
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    JsonNode job = Json.parse(line.substring(5).strip());
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
    List<JsonNode> active() {
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
