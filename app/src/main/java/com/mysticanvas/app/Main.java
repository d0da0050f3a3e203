package com.mysticanvas.app;

import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.llm.LlmWorker;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.WorkerLauncher;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import com.mysticanvas.sd.SdWorker;
import com.mysticanvas.sd.pipeline.SdModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One program, three modes. The user starts the orchestrator (the default); it relaunches this same
 * program as {@code --mode llm-worker} and {@code --mode sd-worker}.
 */
@Command(name = "mysticanvas", mixinStandardHelpOptions = true, version = "MystiCanvas 0.1.0",
        subcommands = SynthModelsCommand.class,
        description = "Local, private AI studio: chat with a language model and generate images, from one web page.",
        sortOptions = false)
public final class Main implements Callable<Integer> {
    @Option(names = "--mode", defaultValue = "orchestrator", paramLabel = "MODE",
            description = "orchestrator (default), llm-worker or sd-worker; workers are started by the orchestrator")
    String mode;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE}); "
            + "anything but loopback requires --api-key")
    String host;

    @Option(names = "--port", defaultValue = "1234", description = "port to listen on (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--models-dir", defaultValue = "models", description = "models folder: llm/*.gguf, sd/checkpoints, sd/loras, sd/vae (default ./${DEFAULT-VALUE})")
    Path modelsDir;

    @Option(names = "--data-dir", defaultValue = "data", description = "conversations, images and settings (default ./${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--api-key", defaultValue = "${env:MYSTI_API_KEY}", description = "require Authorization: Bearer KEY on /v1, /sdapi and /api (or set MYSTI_API_KEY)")
    String apiKey;

    @Option(names = "--llm-model", description = "GGUF file in models/llm to load at start")
    String llmModel;

    @Option(names = "--sd-model", description = "checkpoint in models/sd/checkpoints to load at start")
    String sdModel;

    @Option(names = "--llm-threads", defaultValue = "0", description = "threads for llama.cpp (default: the split saved in Settings, else half the cores)")
    int llmThreads;

    @Option(names = "--sd-threads", defaultValue = "0", description = "threads for Stable Diffusion (default: the split saved in Settings, else the other half)")
    int sdThreads;

    @Option(names = "--sd-low-memory", description = "keep the image model's weights in 16 bits: about 1 GB less for SD 1.5, about 7% slower")
    boolean sdLowMemory;

    @Option(names = "--log-level", defaultValue = "info", description = "engine log level: error, warn, info, debug (default ${DEFAULT-VALUE})")
    String logLevel;

    @Option(names = "--max-body-mb", defaultValue = "64", description = "largest request body accepted, in MiB (default ${DEFAULT-VALUE})")
    int maxBodyMb;

    @Option(names = "--memory-policy", defaultValue = "auto", description = "when an image job would not fit beside the "
            + "language model: auto (unload the language model only then), unload-llm-for-images (always), keep-both (refuse the job)")
    String memoryPolicy;

    @Option(names = "--memory-budget-mb", defaultValue = "0", description = "most memory both workers may use together, in MiB (default: what the machine has)")
    long memoryBudgetMb;

    @Option(names = "--cors-origin", description = "let web pages from this origin call the API (e.g. http://localhost:3000); CORS is off without it")
    String corsOrigin;

    @Option(names = "--max-image-side", defaultValue = "2048", description = "largest image width/height in pixels (default ${DEFAULT-VALUE})")
    int maxImageSide;

    @Option(names = "--max-steps", defaultValue = "150", description = "most sampler steps per image (default ${DEFAULT-VALUE})")
    int maxSteps;

    @Option(names = "--max-batch", defaultValue = "16", description = "most images per request (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--max-prompt-chars", defaultValue = "20000", description = "longest image prompt (default ${DEFAULT-VALUE})")
    int maxPromptChars;

    @Option(names = "--image-queue", defaultValue = "8", description = "image jobs that may wait behind the running one (default ${DEFAULT-VALUE})")
    int imageQueue;

    @Option(names = "--max-tokens", defaultValue = "0", description = "most tokens one reply may generate; 0 = up to the context (default)")
    int maxTokens;

    @Option(names = "--llm-queue", defaultValue = "16", description = "chat requests that may wait for a free slot (default ${DEFAULT-VALUE})")
    int llmQueue;

    @Option(names = "--max-streams", defaultValue = "64", description = "event streams relayed at once (default ${DEFAULT-VALUE})")
    int maxStreams;

    @Option(names = "--parent-pid", defaultValue = "0", hidden = true, description = "set by the orchestrator for its workers")
    long parentPid;

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int llm = llmThreads > 0 ? llmThreads : Math.max(1, cores / 2);
        int sd = sdThreads > 0 ? sdThreads : Math.max(1, cores - cores / 2);
        String secret = System.getenv(Handshake.SECRET_ENV);
        Limits limits;
        try {
            limits = new Limits(maxImageSide, maxSteps, maxBatch, maxPromptChars, imageQueue, maxTokens, llmQueue, maxStreams);
        } catch (IllegalArgumentException e) {
            System.err.println("mysticanvas: " + e.getMessage());
            return 2;
        }
        switch (mode) {
            case "orchestrator" -> {
                Orchestrator orchestrator;
                try {
                    OrchestratorConfig config = new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey,
                            llmModel, sdModel, llmThreads, sdThreads, sdLowMemory, logLevel, maxBodyMb * 1024L * 1024L,
                            MemoryPolicy.parse(memoryPolicy), memoryBudgetMb << 20, corsOrigin, limits);
                    orchestrator = Orchestrator.start(config, WorkerLauncher.sameJvm(Main.class.getName()));
                } catch (IllegalArgumentException e) {
                    System.err.println("mysticanvas: " + e.getMessage());
                    return 2;
                }
                System.out.println("MystiCanvas is running at http://" + host + ":" + orchestrator.port() + "/");
                orchestrator.runUntilShutdown();
            }
            case "llm-worker" -> LlmWorker.run(new WorkerConfig(port, parentPid, modelsDir, dataDir, llmModel,
                    llm, logLevel, secret, limits));
            case "sd-worker" -> SdWorker.run(new WorkerConfig(port, parentPid, modelsDir, dataDir, sdModel,
                    sd, logLevel, secret, limits), sdLowMemory ? SdModel.Memory.LOW : SdModel.Memory.BALANCED);
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "unknown --mode '" + mode + "': expected orchestrator, llm-worker or sd-worker");
        }
        return 0;
    }
}
