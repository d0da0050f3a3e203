package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.system.ComputeDevice;
import com.mysticanvas.core.system.ProcessMemory;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.orchestrator.http.InFlight;
import com.mysticanvas.orchestrator.workers.WorkerStatus.State;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Keeps one worker process alive: starts it, waits for its handshake, forwards its output with a
 * {@code [llm]}/{@code [sd]} prefix, checks {@code /health}, and restarts it with exponential back-off
 * (0.5 s doubling to 30 s) when it exits or stops answering, reloading the model it had. It is the worker's
 * {@link WorkerAddress}: its port while it is ready, a clear "not ready" otherwise.
 */
final class WorkerSupervisor implements WorkerPool.Member {

    private static final long FIRST_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final int MAX_FAILED_MODEL_LOADS = 3;

    private final WorkerKind kind;
    private final WorkerLauncher launcher;
    private final WorkerConfig config;
    private final String secret;
    private final SupervisorTiming timing;
    private final PrintStream console;
    private final Consumer<WorkerStatus> onChange;
    private final WorkerEndpoint endpoint;
    private final AtomicInteger restarts = new AtomicInteger();
    private final Object wakeUp = new Object();

    private volatile State state = State.STOPPED;
    private volatile Process process;
    private volatile int port;
    private volatile long readySinceMs;
    /** What the worker reports loaded and loading (shown), and what to load when (re)starting it. */
    private volatile String model;
    private volatile String loading;
    private volatile List<ComputeDevice> devices = List.of();
    private volatile String wantedModel;
    private volatile String lastError;
    private volatile boolean stopping;
    private volatile boolean restartRequested;
    private Thread loop;

    /**
     * @param config what the worker starts with; its startup model is replaced by the one it had when restarted
     */
    WorkerSupervisor(WorkerConfig config, WorkerLauncher launcher, String secret, SupervisorTiming timing,
                     PrintStream console, Consumer<WorkerStatus> onChange, HttpClient http, InFlight inFlight) {
        this.kind = config.kind();
        this.config = config;
        this.launcher = launcher;
        this.wantedModel = config.startupModel();
        this.secret = secret;
        this.timing = timing;
        this.console = console;
        this.onChange = onChange;
        this.endpoint = new WorkerEndpoint(kind, this, http, inFlight);
    }

    @Override
    public WorkerEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public URI base() {
        int ready = port;
        if (state != State.READY || ready == 0) {
            String why = lastError == null ? "" : " (last error: " + lastError + ")";
            throw Problem.unavailable("worker_unavailable", "the " + kind.mode() + " is " + state.id() + why
                    + "; try again in a moment");
        }
        return URI.create("http://127.0.0.1:" + ready);
    }

    @Override
    public Map<String, String> credentials() {
        return Map.of(Handshake.SECRET_HEADER, secret);
    }

    WorkerKind kind() {
        return kind;
    }

    @Override
    public synchronized void start() {
        if (loop == null) {
            loop = Thread.ofPlatform().daemon().name(kind.id() + "-supervisor").start(this::superviseLoop);
        }
    }

    /** Restarts now, without back-off (user request). */
    @Override
    public void restart() {
        restartRequested = true;
        lastError = "restart requested";
        Process p = process;
        if (p != null && p.isAlive()) {
            terminate(p, Duration.ofSeconds(3));
        }
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    /** Stops the worker gracefully (stdin EOF, then signals) and waits for it. */
    @Override
    public void stop() {
        stopping = true;
        Process p = process;
        if (p != null) {
            terminate(p, Duration.ofSeconds(5));
        }
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = loop;
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public WorkerStatus status() {
        Process p = process;
        boolean alive = p != null && p.isAlive();
        State s = state;
        return new WorkerStatus(kind, s,
                alive ? p.pid() : null,
                s == State.READY ? port : null,
                restarts.get(),
                s == State.READY ? System.currentTimeMillis() - readySinceMs : null,
                alive ? ProcessMemory.of(p.pid()).map(ProcessMemory::rssBytes).orElse(null) : null,
                model, loading, lastError, null, alive ? devices : List.of(), List.of());
    }

    private void superviseLoop() {
        long backoffMs = FIRST_BACKOFF_MS;
        int failedModelLoads = 0;
        while (!stopping) {
            boolean modelReported = runOnce();
            if (stopping) {
                break;
            }
            restarts.incrementAndGet();
            if (restartRequested) {
                restartRequested = false;
                backoffMs = FIRST_BACKOFF_MS;
                continue;
            }
            // A model that kills the worker while loading would otherwise crash-loop forever.
            failedModelLoads = modelReported || wantedModel == null ? 0 : failedModelLoads + 1;
            if (failedModelLoads >= MAX_FAILED_MODEL_LOADS) {
                lastError = lastError + "; gave up loading model " + wantedModel + " after "
                        + failedModelLoads + " crashes";
                wantedModel = null;
                failedModelLoads = 0;
            }
            if (readySinceMs > 0 && System.currentTimeMillis() - readySinceMs > timing.stableAfter().toMillis()) {
                backoffMs = FIRST_BACKOFF_MS;
            }
            setState(State.RESTARTING);
            pause(backoffMs);
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
        setState(State.STOPPED);
    }

    /** Runs one worker process until it is gone; true if it reported its model loaded meanwhile. */
    private boolean runOnce() {
        port = 0;
        model = null;
        loading = null;
        readySinceMs = 0;
        setState(State.STARTING);
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(launcher.command(kind,
                    WorkerCommandLine.write(config.withStartupModel(wantedModel))))
                    .redirectErrorStream(true);
            pb.environment().put(Handshake.SECRET_ENV, secret);
            p = pb.start();
        } catch (IOException | RuntimeException e) {
            lastError = "could not start the " + kind.mode() + ": " + e.getMessage();
            return false;
        }
        process = p;
        CompletableFuture<Integer> handshake = new CompletableFuture<>();
        // A platform thread: a pipe read blocks its carrier, and two readers parked on virtual threads
        // took both carriers of a 2-core machine, which stopped every HTTP request of the orchestrator.
        Thread reader = Thread.ofPlatform().daemon().name(kind.id() + "-output").start(() -> forwardOutput(p, handshake));

        boolean modelReported = false;
        String killReason = null;
        try {
            port = handshake.get(timing.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            readySinceMs = System.currentTimeMillis();
            setState(State.READY);
            int failures = 0;
            while (!p.waitFor(timing.healthInterval().toMillis(), TimeUnit.MILLISECONDS)) {
                JsonNode health = checkHealth();
                if (health != null) {
                    failures = 0;
                    model = textOrNull(health, "model");
                    loading = textOrNull(health, "loading");
                    devices = devicesOf(health);
                    if (model != null || loading != null) {
                        wantedModel = model != null ? model : loading;
                    } else if (modelReported) {
                        wantedModel = null; // it had a model and now has none: unloaded on purpose
                    }
                    modelReported |= model != null;
                } else if (++failures >= timing.healthFailuresToRestart()) {
                    killReason = "not answering /health (" + failures + " checks failed); killed it";
                    p.destroyForcibly();
                    break;
                }
                onChange.accept(status());
            }
        } catch (TimeoutException e) {
            killReason = "no handshake within " + timing.handshakeTimeout().toSeconds() + " s; killed it";
            p.destroyForcibly();
        } catch (ExecutionException e) {
            // Exited before the handshake; the exit code below says so.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        try {
            int code = p.waitFor();
            if (!stopping && !restartRequested) {
                lastError = killReason != null ? killReason : describeExit(code);
            }
            reader.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        port = 0;
        return modelReported;
    }

    /** A text field of a worker's answer, or null (also what a remote worker's health is read with). */
    static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    /** The devices a worker's health lists ({@code devices}); none when it says nothing readable of them. */
    static List<ComputeDevice> devicesOf(JsonNode health) {
        JsonNode devices = health.get("devices");
        if (devices == null || !devices.isArray()) {
            return List.of();
        }
        try {
            return List.of(Json.MAPPER.treeToValue(devices, ComputeDevice[].class));
        } catch (IOException | IllegalArgumentException e) {
            return List.of(); // a worker of another version: its devices are not shown
        }
    }

    private static String describeExit(int code) {
        return code > 128 ? "exited on signal " + (code - 128) + " (exit code " + code + ")"
                : "exited with code " + code;
    }

    private void forwardOutput(Process p, CompletableFuture<Integer> handshake) {
        String prefix = "[" + kind.id() + "] ";
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!handshake.isDone()) {
                    var parsed = Handshake.parse(line);
                    if (parsed.isPresent()) {
                        handshake.complete(parsed.getAsInt());
                        continue;
                    }
                }
                console.println(prefix + line);
            }
        } catch (IOException e) {
            // The process is gone; its exit is handled by the supervisor.
        }
        handshake.completeExceptionally(new IOException("worker output ended before the handshake"));
    }

    private JsonNode checkHealth() {
        try {
            return endpoint.get(WorkerPaths.HEALTH, timing.healthTimeout());
        } catch (Problem e) {
            return null; // not answering, or not well: counted towards a restart
        }
    }

    private void setState(State s) {
        state = s;
        onChange.accept(status());
    }

    private void pause(long millis) {
        synchronized (wakeUp) {
            if (!stopping && !restartRequested) {
                try {
                    wakeUp.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Closing stdin asks the worker to exit by itself; signals follow if it does not. */
    private static void terminate(Process p, Duration grace) {
        try {
            p.getOutputStream().close();
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }
}
