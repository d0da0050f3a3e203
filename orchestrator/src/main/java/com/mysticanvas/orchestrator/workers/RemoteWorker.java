package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.system.ComputeDevice;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.orchestrator.http.InFlight;
import com.mysticanvas.orchestrator.workers.WorkerStatus.State;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A MystiCanvas worker on another machine ({@code --remote-worker llm=http://gpu-box:7001}, started there with
 * {@code --mode llm-worker --listen 0.0.0.0:7001 --worker-token T}): a fixed address and a token instead of a child
 * process. Its health is checked as a local worker's is, but nothing is started or restarted from here: one that
 * stops answering is reported down (requests get a 503 that says so) and taken back as soon as it answers again.
 */
final class RemoteWorker implements WorkerPool.Member {
    private final WorkerKind kind;
    private final URI base;
    private final String token;
    private final SupervisorTiming timing;
    private final Consumer<WorkerStatus> onChange;
    private final WorkerEndpoint endpoint;
    private volatile State state = State.STARTING;
    private volatile String model;
    private volatile String loading;
    private volatile String lastError;
    private volatile long readySinceMs;
    private volatile Long rssBytes;
    private volatile List<ComputeDevice> devices = List.of();
    private volatile boolean stopping;
    private Thread loop;

    RemoteWorker(WorkerKind kind, URI base, String token, SupervisorTiming timing, Consumer<WorkerStatus> onChange,
                 InFlight inFlight) {
        this.kind = kind;
        this.base = URI.create(base.toString().replaceFirst("/+$", ""));
        this.token = token;
        this.timing = timing;
        this.onChange = onChange;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        this.endpoint = new WorkerEndpoint(kind, this, http, inFlight);
    }

    @Override
    public URI base() {
        if (state != State.READY) {
            throw Problem.unavailable("worker_unavailable", "the " + kind.mode() + " at " + host() + " is " + state.id()
                    + (lastError == null ? "" : " (" + lastError + ")") + "; it is restarted on its own machine, not from here");
        }
        return base;
    }

    @Override
    public Map<String, String> credentials() {
        return token == null ? Map.of() : Map.of(Handshake.SECRET_HEADER, token);
    }

    @Override
    public WorkerEndpoint endpoint() {
        return endpoint;
    }

    /** Its fixed address, whatever its state. */
    URI url() {
        return base;
    }

    private String host() {
        return base.getHost() + (base.getPort() > 0 ? ":" + base.getPort() : "");
    }

    @Override
    public WorkerStatus status() {
        State s = state;
        return new WorkerStatus(kind, s, null, base.getPort() > 0 ? base.getPort() : null, 0,
                s == State.READY ? System.currentTimeMillis() - readySinceMs : null, s == State.READY ? rssBytes : null,
                model, loading, lastError, host(), devices, List.of());
    }

    @Override
    public synchronized void start() {
        if (loop == null) {
            loop = Thread.ofVirtual().name(kind.id() + "-remote-health").start(this::watch);
        }
    }

    @Override
    public void restart() {
        throw Problem.badInput("the " + kind.mode() + " runs on " + host() + ": restart it there");
    }

    /** A request to it failed before an answer: down until its next health check says otherwise. */
    void markDown(String why) {
        if (state == State.READY) {
            state = State.DOWN;
            lastError = why;
            onChange.accept(status());
        }
    }

    @Override
    public void stop() {
        stopping = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Asks its /health, directly (not through {@link #base}, which refuses while it is down), every interval. */
    private void watch() {
        int failures = 0;
        while (!stopping) {
            JsonNode health = null;
            try {
                health = endpoint.getAt(base, WorkerPaths.HEALTH, timing.healthTimeout());
            } catch (Problem e) {
                lastError = e.getMessage();
            }
            if (health != null) {
                failures = 0;
                if (state != State.READY) {
                    readySinceMs = System.currentTimeMillis();
                    lastError = null;
                }
                state = State.READY;
                model = WorkerSupervisor.textOrNull(health, "model");
                loading = WorkerSupervisor.textOrNull(health, "loading");
                rssBytes = health.path("rss_bytes").canConvertToLong() ? health.path("rss_bytes").asLong() : null;
                devices = WorkerSupervisor.devicesOf(health);
            } else if (++failures >= timing.healthFailuresToRestart() || state != State.READY) {
                state = State.DOWN;
            }
            onChange.accept(status());
            try {
                Thread.sleep(timing.healthInterval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
