package com.mysticanvas.orchestrator;

import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Starts, watches and stops both workers; hands each a per-run secret so only we can reach them. */
public final class ProcessManager implements AutoCloseable {
    private final Map<WorkerKind, WorkerSupervisor> supervisors = new EnumMap<>(WorkerKind.class);
    private final List<Consumer<WorkerStatus>> listeners = new CopyOnWriteArrayList<>();
    private final String secret = newSecret();

    public ProcessManager(OrchestratorConfig config, WorkerLauncher launcher, SupervisorTiming timing,
                          PrintStream console) {
        for (WorkerKind kind : WorkerKind.values()) {
            String startupModel = kind == WorkerKind.LLM ? config.llmModel() : config.sdModel();
            supervisors.put(kind, new WorkerSupervisor(kind, launcher, model -> workerArgs(config, kind, model),
                    startupModel, secret, timing, console, this::publish));
        }
    }

    public void start() {
        supervisors.values().forEach(WorkerSupervisor::start);
    }

    public String secret() {
        return secret;
    }

    WorkerSupervisor supervisor(WorkerKind kind) {
        return supervisors.get(kind);
    }

    public void restart(WorkerKind kind) {
        Thread.ofVirtual().start(supervisors.get(kind)::restart);
    }

    public Map<String, WorkerStatus> statuses() {
        Map<String, WorkerStatus> out = new LinkedHashMap<>();
        supervisors.forEach((kind, s) -> out.put(kind.id(), s.status()));
        return out;
    }

    public void addListener(Consumer<WorkerStatus> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<WorkerStatus> listener) {
        listeners.remove(listener);
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

    static List<String> workerArgs(OrchestratorConfig config, WorkerKind kind, String model) {
        int threads = kind == WorkerKind.LLM ? config.llmThreads() : config.sdThreads();
        return WorkerCommandLine.write(new WorkerConfig(kind, 0, ProcessHandle.current().pid(), config.modelsDir(),
                config.dataDir(), model, threads > 0 ? threads : WorkerCommandLine.defaultThreads(kind), config.logLevel(),
                kind == WorkerKind.SD && config.sdLowMemory(), config.limits(), null));
    }

    private static String newSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
