package com.mysticanvas.orchestrator.workers;

import com.mysticanvas.core.worker.LoopbackHttp;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.http.InFlight;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Starts, watches and stops both workers; hands each a per-run secret so only we can reach them, and gives the
 * rest of the orchestrator its pipe to each ({@link #endpoint}) and the typed APIs over them.
 */
public final class ProcessManager implements AutoCloseable {
    private final Map<WorkerKind, SupervisedWorker> supervisors = new EnumMap<>(WorkerKind.class);
    private final List<Consumer<WorkerStatus>> listeners = new CopyOnWriteArrayList<>();
    private final String secret = newSecret();
    private final LlmWorkerApi llm;
    private final SdWorkerApi sd;

    /**
     * @param workers what each worker starts with (its startup model too)
     * @param inFlight where the workers' streams are counted and closed at shutdown
     */
    public ProcessManager(Map<WorkerKind, WorkerConfig> workers, WorkerLauncher launcher, SupervisorTiming timing,
                          PrintStream console, InFlight inFlight) {
        this(workers, RemoteWorkers.NONE, launcher, timing, console, inFlight);
    }

    /** With the workers that run on other machines ({@code remote}) instead of as our child processes. */
    public ProcessManager(Map<WorkerKind, WorkerConfig> workers, RemoteWorkers remote, WorkerLauncher launcher,
                          SupervisorTiming timing, PrintStream console, InFlight inFlight) {
        HttpClient http = LoopbackHttp.client();
        workers.forEach((kind, config) -> {
            if (!remote.urls().containsKey(kind)) {
                supervisors.put(kind, new WorkerSupervisor(config, launcher, secret, timing, console, this::publish, http, inFlight));
                return;
            }
            // the remote ones in the order given, then ours when it stands by; the pool publishes the serving one
            supervisors.put(kind, new WorkerPool(kind, onChange -> {
                List<WorkerPool.Member> members = new ArrayList<>();
                for (URI url : remote.urls().get(kind)) {
                    members.add(new RemoteWorker(kind, url, remote.token(), timing, onChange, inFlight));
                }
                if (remote.localFallback().contains(kind)) {
                    members.add(new WorkerSupervisor(config, launcher, secret, timing, console, onChange, http, inFlight));
                }
                return members;
            }, this::publish, inFlight));
        });
        this.llm = LlmWorkerApi.over(endpoint(WorkerKind.LLM));
        this.sd = SdWorkerApi.over(endpoint(WorkerKind.SD));
    }

    public void start() {
        supervisors.values().forEach(SupervisedWorker::start);
    }

    /** The per-run secret the workers require (benchmarks and tests call workers directly with it). */
    public String secret() {
        return secret;
    }

    /** The pipe to a worker, for the reverse proxy. */
    public WorkerEndpoint endpoint(WorkerKind kind) {
        return supervisors.get(kind).endpoint();
    }

    public LlmWorkerApi llm() {
        return llm;
    }

    public SdWorkerApi sd() {
        return sd;
    }

    /** A user's restart of a worker this orchestrator runs; a remote one is a 400 (restarted on its machine). */
    public void restart(WorkerKind kind) {
        SupervisedWorker w = supervisors.get(kind);
        if (w instanceof WorkerPool pool && !pool.hasLocal()) {
            w.restart(); // a 400 that says where it runs
            return;
        }
        Thread.ofVirtual().start(w::restart);
    }

    public WorkerStatus status(WorkerKind kind) {
        return supervisors.get(kind).status();
    }

    /** Every worker's status by its id ({@code llm}, {@code sd}), as JSON shows them. */
    public Map<String, WorkerStatus> statuses() {
        Map<String, WorkerStatus> out = new LinkedHashMap<>();
        supervisors.forEach((kind, s) -> out.put(kind.id(), s.status()));
        return out;
    }

    /** Hears every status change and every health check of every worker. */
    public void addListener(Consumer<WorkerStatus> listener) {
        listeners.add(listener);
    }

    private void publish(WorkerStatus status) {
        listeners.forEach(l -> l.accept(status));
    }

    /** Stops both workers in parallel. */
    @Override
    public void close() {
        List<Thread> stoppers = new ArrayList<>();
        supervisors.values().forEach(s -> stoppers.add(Thread.ofVirtual().start(s::stop)));
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String newSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
