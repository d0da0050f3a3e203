package com.mysticanvas.core.worker;

import com.mysticanvas.core.Limits;
import com.mysticanvas.core.models.ModelFolders;
import java.nio.file.Path;
import java.util.List;

/**
 * What a worker process is started with: {@link WorkerCommandLine} writes it as the worker's command line and
 * reads it back there; the secret travels in the environment (never on the command line, where other users see it).
 *
 * @param kind         which worker
 * @param host         address to bind: 127.0.0.1 for a worker of this machine's orchestrator, another for a remote
 *                     worker ({@code --listen HOST:PORT}, which then needs its token)
 * @param port         port to bind; 0 picks a free one (reported in the handshake)
 * @param parentPid    the orchestrator's pid; the worker exits when it is gone (0: not watched)
 * @param modelsDir    root of the models folder ({@link ModelFolders})
 * @param extraModelDirs other tools' model folders, read too ({@code --extra-model-dir})
 * @param dataDir      data folder (caches, images)
 * @param startupModel model file name to load at start, or null
 * @param threads      engine threads (at least 1)
 * @param logLevel     engine log level: error, warn, info, debug
 * @param lowMemory    the SD worker keeps its weights in 16 bits ({@code --sd-low-memory})
 * @param limits       bounds on requests
 * @param secret       per-run secret required in {@link Handshake#SECRET_HEADER}; null disables the check
 */
public record WorkerConfig(WorkerKind kind, String host, int port, long parentPid, Path modelsDir, List<Path> extraModelDirs, Path dataDir,
                           String startupModel, int threads, String logLevel, boolean lowMemory, Limits limits, String secret) {
    public WorkerConfig {
        extraModelDirs = List.copyOf(extraModelDirs);
    }

    public WorkerConfig withStartupModel(String model) {
        return new WorkerConfig(kind, host, port, parentPid, modelsDir, extraModelDirs, dataDir, model, threads, logLevel, lowMemory,
                limits, secret);
    }

    public ModelFolders models() {
        return new ModelFolders(modelsDir, extraModelDirs);
    }
}
