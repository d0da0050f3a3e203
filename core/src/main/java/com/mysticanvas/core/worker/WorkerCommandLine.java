package com.mysticanvas.core.worker;

import com.mysticanvas.core.Limits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The worker's command line, written by the orchestrator and read by the worker: the one class that spells it.
 * {@code --mode llm-worker|sd-worker --port 0 --parent-pid N} and the folders, log level, threads, model and
 * limits. The option names are the program's own (the orchestrator's command line takes the same ones and passes
 * them on), so its option declarations use these constants too.
 */
public final class WorkerCommandLine {
    public static final String MODE = "--mode";
    public static final String PORT = "--port";
    public static final String PARENT_PID = "--parent-pid";
    public static final String MODELS_DIR = "--models-dir";
    /** A worker of another machine's orchestrator: the address and port it listens on ({@code 0.0.0.0:7001}). */
    public static final String LISTEN = "--listen";
    /** The token a remote worker requires of its orchestrator (and the orchestrator sends it). */
    public static final String WORKER_TOKEN = "--worker-token";
    /** Repeatable: another tool's model folder, read too. */
    public static final String EXTRA_MODEL_DIR = "--extra-model-dir";
    public static final String DATA_DIR = "--data-dir";
    public static final String LOG_LEVEL = "--log-level";
    public static final String LLM_MODEL = "--llm-model";
    public static final String SD_MODEL = "--sd-model";
    public static final String LLM_THREADS = "--llm-threads";
    public static final String SD_THREADS = "--sd-threads";
    public static final String SD_LOW_MEMORY = "--sd-low-memory";
    public static final String MAX_IMAGE_SIDE = "--max-image-side";
    public static final String MAX_STEPS = "--max-steps";
    public static final String MAX_BATCH = "--max-batch";
    public static final String MAX_PROMPT_CHARS = "--max-prompt-chars";
    public static final String IMAGE_QUEUE = "--image-queue";
    public static final String MAX_TOKENS = "--max-tokens";
    public static final String LLM_QUEUE = "--llm-queue";
    public static final String MAX_STREAMS = "--max-streams";

    private static final Set<String> FLAGS = Set.of(SD_LOW_MEMORY);
    private static final Set<String> VALUED = Set.of(MODE, PORT, PARENT_PID, MODELS_DIR, DATA_DIR, LOG_LEVEL, LLM_MODEL, LISTEN, WORKER_TOKEN,
            SD_MODEL, LLM_THREADS, SD_THREADS, MAX_IMAGE_SIDE, MAX_STEPS, MAX_BATCH, MAX_PROMPT_CHARS, IMAGE_QUEUE,
            MAX_TOKENS, LLM_QUEUE, MAX_STREAMS);

    private WorkerCommandLine() {}

    /** The arguments that start {@code config}'s worker (after the program itself). */
    public static List<String> write(WorkerConfig c) {
        List<String> args = new ArrayList<>(List.of(MODE, c.kind().mode(), PORT, Integer.toString(c.port()),
                PARENT_PID, Long.toString(c.parentPid()),
                MODELS_DIR, c.modelsDir().toAbsolutePath().toString(), DATA_DIR, c.dataDir().toAbsolutePath().toString(),
                LOG_LEVEL, c.logLevel(), threadsOption(c.kind()), Integer.toString(c.threads())));
        for (Path extra : c.extraModelDirs()) {
            args.addAll(List.of(EXTRA_MODEL_DIR, extra.toAbsolutePath().toString()));
        }
        Limits l = c.limits();
        args.addAll(List.of(MAX_IMAGE_SIDE, Integer.toString(l.maxImageSide()), MAX_STEPS, Integer.toString(l.maxSteps()),
                MAX_BATCH, Integer.toString(l.maxBatch()), MAX_PROMPT_CHARS, Integer.toString(l.maxPromptChars()),
                IMAGE_QUEUE, Integer.toString(l.imageQueue()), MAX_TOKENS, Integer.toString(l.maxTokens()),
                LLM_QUEUE, Integer.toString(l.llmQueue()), MAX_STREAMS, Integer.toString(l.maxStreams())));
        if (c.lowMemory()) {
            args.add(SD_LOW_MEMORY);
        }
        if (c.startupModel() != null) {
            args.addAll(List.of(modelOption(c.kind()), c.startupModel()));
        }
        return args;
    }

    /**
     * The worker's config when {@code args} ask for a worker mode; empty for any other mode (the orchestrator's
     * own command line, which is not read here).
     *
     * @param secret the per-run secret from the environment, or null
     * @throws IllegalArgumentException for an option a worker does not take, one without its value, a value that
     *                                  is not a number, or a limit out of range
     */
    public static Optional<WorkerConfig> parse(String[] args, String secret) {
        Map<String, String> given = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        List<Path> extraDirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String name = eq > 0 ? args[i].substring(0, eq) : args[i];
            if (name.equals(EXTRA_MODEL_DIR)) {
                if (eq < 0 && i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                extraDirs.add(Path.of(eq > 0 ? args[i].substring(eq + 1) : args[++i]));
            } else if (FLAGS.contains(name)) {
                given.put(name, "true");
            } else if (!VALUED.contains(name)) {
                unknown.add(args[i]);
            } else if (eq > 0) {
                given.put(name, args[i].substring(eq + 1));
            } else if (i + 1 < args.length) {
                given.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
        }
        WorkerKind kind = workerKind(given.get(MODE));
        if (kind == null) {
            return Optional.empty();
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("a " + kind.mode() + " does not take " + String.join(" ", unknown));
        }
        Limits d = Limits.DEFAULTS;
        Limits limits = new Limits(number(given, MAX_IMAGE_SIDE, d.maxImageSide()), number(given, MAX_STEPS, d.maxSteps()),
                number(given, MAX_BATCH, d.maxBatch()), number(given, MAX_PROMPT_CHARS, d.maxPromptChars()),
                number(given, IMAGE_QUEUE, d.imageQueue()), number(given, MAX_TOKENS, d.maxTokens()),
                number(given, LLM_QUEUE, d.llmQueue()), number(given, MAX_STREAMS, d.maxStreams()));
        int threads = number(given, threadsOption(kind), 0);
        String host = "127.0.0.1";
        int port = number(given, PORT, 0);
        if (given.containsKey(LISTEN)) {
            String listen = given.get(LISTEN);
            int colon = listen.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(LISTEN + " takes HOST:PORT, such as 0.0.0.0:7001; not '" + listen + "'");
            }
            host = listen.substring(0, colon).replaceAll("^\\[|]$", "");
            port = number(Map.of(LISTEN, listen.substring(colon + 1)), LISTEN, 0);
        }
        if (given.containsKey(WORKER_TOKEN)) {
            secret = given.get(WORKER_TOKEN);
        }
        if (!isLoopback(host) && (secret == null || secret.isBlank())) {
            throw new IllegalArgumentException("a worker listening on " + host + " needs " + WORKER_TOKEN
                    + " TOKEN: anyone on the network could use it otherwise (the orchestrator is given the same token)");
        }
        return Optional.of(new WorkerConfig(kind, host, port, Long.parseLong(given.getOrDefault(PARENT_PID, "0")),
                Path.of(given.getOrDefault(MODELS_DIR, "models")), extraDirs, Path.of(given.getOrDefault(DATA_DIR, "data")),
                given.get(modelOption(kind)), threads > 0 ? threads : defaultThreads(kind),
                given.getOrDefault(LOG_LEVEL, "info"), given.containsKey(SD_LOW_MEMORY), limits, secret));
    }

    /** True for an address only this machine reaches. */
    public static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
    }

    /** {@link #parse(String[], String)} with the secret from this process's environment ({@link Handshake#SECRET_ENV}). */
    public static Optional<WorkerConfig> parse(String[] args) {
        return parse(args, System.getenv(Handshake.SECRET_ENV));
    }

    /**
     * A worker's threads when nothing says: the cores split between the two, half (at least one) to the LLM
     * worker and the rest to the SD worker, so their thread pools never oversubscribe the machine.
     */
    public static int defaultThreads(WorkerKind kind) {
        int cores = Runtime.getRuntime().availableProcessors();
        return kind == WorkerKind.LLM ? Math.max(1, cores / 2) : Math.max(1, cores - cores / 2);
    }

    private static String threadsOption(WorkerKind kind) {
        return kind == WorkerKind.LLM ? LLM_THREADS : SD_THREADS;
    }

    private static String modelOption(WorkerKind kind) {
        return kind == WorkerKind.LLM ? LLM_MODEL : SD_MODEL;
    }

    private static WorkerKind workerKind(String mode) {
        for (WorkerKind kind : WorkerKind.values()) {
            if (kind.mode().equals(mode)) {
                return kind;
            }
        }
        return null;
    }

    private static int number(Map<String, String> given, String option, int fallback) {
        String v = given.get(option);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a whole number, got '" + v + "'");
        }
    }
}
