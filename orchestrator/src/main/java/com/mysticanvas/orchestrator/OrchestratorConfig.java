package com.mysticanvas.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import com.mysticanvas.orchestrator.workers.RemoteWorkers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the orchestrator runs. Worker threads 0 means "let the worker choose"; the launcher splits
 * the machine's cores between the two workers so their thread pools never fight for them.
 *
 * @param sdLowMemory       the SD worker keeps every UNet weight in its stored 16-bit form (about 1 GB less for SD 1.5,
 *                          about 7% slower per step)
 * @param memoryBudgetBytes cap on what both workers together may use (0: the machine's available memory)
 * @param limits            bounds on requests, passed to the workers too
 * @param corsOrigin        origin allowed to call the API from a browser page of another site, or null (CORS off)
 * @param llmKeepAlive      how long the language model stays loaded while idle ({@code --llm-keep-alive}); null: ever
 * @param llmAnyModelName   a request naming no model file answers with the loaded model ({@code --llm-any-model-name})
 *                          instead of a 404
 * @param extraModelDirs    other tools' model folders, read too ({@code --extra-model-dir})
 * @param remoteWorkers     workers on other machines ({@code --remote-worker}, {@code --worker-token}) instead of ours
 */
public record OrchestratorConfig(
        String host,
        int port,
        Path modelsDir,
        Path dataDir,
        String apiKey,
        String llmModel,
        String sdModel,
        int llmThreads,
        int sdThreads,
        boolean sdLowMemory,
        String logLevel,
        long maxBodyBytes,
        MemoryPolicy memoryPolicy,
        long memoryBudgetBytes,
        String corsOrigin,
        Limits limits,
        Duration llmKeepAlive,
        boolean llmAnyModelName,
        List<Path> extraModelDirs,
        RemoteWorkers remoteWorkers) {

    public OrchestratorConfig {
        extraModelDirs = List.copyOf(extraModelDirs);
    }

    /** Defaults for everything but the address and folders (tests, benchmarks). */
    public static OrchestratorConfig loopback(int port, Path modelsDir, Path dataDir) {
        return new OrchestratorConfig("127.0.0.1", port, modelsDir, dataDir, null, null, null, 1, 1, false, "info",
                64L << 20, MemoryPolicy.AUTO, 0, null, Limits.DEFAULTS, null, false, List.of(), RemoteWorkers.NONE);
    }

    public OrchestratorConfig withModels(String llm, String sd) {
        return new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey, llm, sd, llmThreads, sdThreads, sdLowMemory, logLevel,
                maxBodyBytes, memoryPolicy, memoryBudgetBytes, corsOrigin, limits, llmKeepAlive, llmAnyModelName, extraModelDirs, remoteWorkers);
    }

    public OrchestratorConfig withRemoteWorkers(RemoteWorkers remote) {
        return new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey, llmModel, sdModel, llmThreads, sdThreads, sdLowMemory, logLevel,
                maxBodyBytes, memoryPolicy, memoryBudgetBytes, corsOrigin, limits, llmKeepAlive, llmAnyModelName, extraModelDirs, remote);
    }

    public OrchestratorConfig withThreads(int llm, int sd) {
        return new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey, llmModel, sdModel, llm, sd, sdLowMemory, logLevel,
                maxBodyBytes, memoryPolicy, memoryBudgetBytes, corsOrigin, limits, llmKeepAlive, llmAnyModelName, extraModelDirs, remoteWorkers);
    }

    /**
     * The thread split saved in the studio's Settings ({@code {"llm":N,"sd":M}}) fills in what the command
     * line left at 0; the command line wins, and what neither sets stays the worker's own default.
     */
    public OrchestratorConfig withSavedThreads(JsonNode saved) {
        return withThreads(llmThreads > 0 ? llmThreads : positive(saved.path("llm")),
                sdThreads > 0 ? sdThreads : positive(saved.path("sd")));
    }

    /**
     * The remote workers saved in Settings ({@code remoteWorkers: {llm: [URL...], sd: [URL...], local: ["llm"],
     * token}}) for the kinds the command line gave none; the command line's {@code --worker-token} wins over the saved
     * one. Saved values that do not read (a bad URL, no token) leave the command line's as they are: an
     * IllegalArgumentException saying why, which the caller logs.
     */
    public OrchestratorConfig withSavedRemoteWorkers(JsonNode saved) {
        if (!saved.isObject()) {
            return this;
        }
        List<String> values = new java.util.ArrayList<>();
        for (WorkerKind kind : WorkerKind.values()) {
            if (!remoteWorkers.urls().containsKey(kind)) {
                saved.path(kind.id()).forEach(url -> values.add(kind.id() + "=" + url.asText().strip()));
                for (JsonNode local : saved.path("local")) {
                    if (local.asText().equals(kind.id()) && saved.path(kind.id()).size() > 0) {
                        values.add(kind.id() + "=local");
                    }
                }
            }
        }
        if (values.isEmpty()) {
            return this;
        }
        String token = remoteWorkers.token() != null ? remoteWorkers.token() : saved.path("token").asText(null);
        RemoteWorkers fromSettings = RemoteWorkers.parse(values, token);
        java.util.Map<WorkerKind, List<java.net.URI>> urls = new java.util.EnumMap<>(WorkerKind.class);
        urls.putAll(remoteWorkers.urls());
        urls.putAll(fromSettings.urls());
        java.util.Set<WorkerKind> local = java.util.EnumSet.noneOf(WorkerKind.class);
        local.addAll(remoteWorkers.localFallback());
        local.addAll(fromSettings.localFallback());
        return new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey, llmModel, sdModel, llmThreads, sdThreads, sdLowMemory,
                logLevel, maxBodyBytes, memoryPolicy, memoryBudgetBytes, corsOrigin, limits, llmKeepAlive, llmAnyModelName,
                extraModelDirs, new RemoteWorkers(urls, local, token));
    }

    /**
     * The other tools' folders saved in Settings ({@code extraModelDirs: ["/path", ...]}) after the command line's
     * {@code --extra-model-dir}s; a folder named in both is read once.
     */
    public OrchestratorConfig withSavedModelDirs(JsonNode saved) {
        java.util.LinkedHashSet<Path> dirs = new java.util.LinkedHashSet<>(extraModelDirs);
        if (saved.isArray()) {
            for (JsonNode d : saved) {
                if (d.isTextual() && !d.asText().isBlank()) {
                    dirs.add(Path.of(d.asText().strip().replaceFirst("^~(?=/|$)", System.getProperty("user.home"))));
                }
            }
        }
        return new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey, llmModel, sdModel, llmThreads, sdThreads, sdLowMemory,
                logLevel, maxBodyBytes, memoryPolicy, memoryBudgetBytes, corsOrigin, limits, llmKeepAlive, llmAnyModelName,
                List.copyOf(dirs), remoteWorkers);
    }

    private static int positive(JsonNode n) {
        return n.canConvertToInt() && n.isIntegralNumber() && n.asInt() > 0 ? Math.min(n.asInt(), 1024) : 0;
    }

    /** What {@code kind}'s worker starts with: this run's folders, limits, log level, its threads and startup model. */
    public WorkerConfig worker(WorkerKind kind) {
        int threads = kind == WorkerKind.LLM ? llmThreads : sdThreads;
        return new WorkerConfig(kind, "127.0.0.1", 0, ProcessHandle.current().pid(), modelsDir, extraModelDirs, dataDir,
                kind == WorkerKind.LLM ? llmModel : sdModel, threads > 0 ? threads : WorkerCommandLine.defaultThreads(kind),
                logLevel, kind == WorkerKind.SD && sdLowMemory, limits, null);
    }

    /** The models folder with the extra ones, as every process reads it. */
    public ModelFolders models() {
        return new ModelFolders(modelsDir, extraModelDirs);
    }

    public boolean isLoopback() {
        return WorkerCommandLine.isLoopback(host);
    }
}
