package com.mysticanvas.core.worker;

import com.mysticanvas.core.Limits;
import java.nio.file.Path;

/**
 * What a worker process is started with: the orchestrator passes these as command-line options
 * and the secret through the environment (never on the command line, where other users see it).
 *
 * @param port         port to bind on 127.0.0.1; 0 picks a free one (reported in the handshake)
 * @param parentPid    the orchestrator's pid; the worker exits when it is gone (0: not watched)
 * @param modelsDir    root of the models folder ({@code llm/}, {@code sd/} below it)
 * @param dataDir      data folder (caches, images)
 * @param startupModel model file name to load at start, or null
 * @param threads      engine threads; 0 = engine default
 * @param logLevel     engine log level: error, warn, info, debug
 * @param secret       per-run secret required in {@link Handshake#SECRET_HEADER}; null disables the check
 * @param limits       bounds on requests
 */
public record WorkerConfig(int port, long parentPid, Path modelsDir, Path dataDir, String startupModel,
                           int threads, String logLevel, String secret, Limits limits) {
    /**
     * For a stand-in worker (a test or benchmark main class the orchestrator launches in place of a real one):
     * the parent pid from {@code --parent-pid} in its arguments, the secret from the environment, the rest defaults.
     */
    public static WorkerConfig standIn(String[] args) {
        long parentPid = 0;
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--parent-pid")) {
                parentPid = Long.parseLong(args[i + 1]);
            }
        }
        return new WorkerConfig(0, parentPid, Path.of("."), Path.of("."), null, 1, "info", System.getenv(Handshake.SECRET_ENV));
    }

    /** With the default limits. */
    public WorkerConfig(int port, long parentPid, Path modelsDir, Path dataDir, String startupModel,
                        int threads, String logLevel, String secret) {
        this(port, parentPid, modelsDir, dataDir, startupModel, threads, logLevel, secret, Limits.DEFAULTS);
    }
}
