package com.mysticanvas.app;

import static com.mysticanvas.core.worker.WorkerCommandLine.*;

import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.llm.LlmWorker;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.memory.LlmKeepAlive;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import com.mysticanvas.orchestrator.workers.RemoteWorkers;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import com.mysticanvas.sd.SdWorker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    @Option(names = MODE, defaultValue = "orchestrator", paramLabel = "MODE",
            description = "orchestrator (default), llm-worker or sd-worker; workers are started by the orchestrator")
    String mode;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE}); "
            + "anything but loopback requires --api-key")
    String host;

    @Option(names = PORT, defaultValue = "1234", description = "port to listen on (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = MODELS_DIR, defaultValue = "models", description = "models folder: llm/*.gguf, sd/checkpoints, sd/loras, sd/vae (default ./${DEFAULT-VALUE})")
    Path modelsDir;

    @Option(names = EXTRA_MODEL_DIR, description = "another tool's model folder, read too (repeatable): A1111/Forge or "
            + "ComfyUI (their folder or its models/), LM Studio's ~/.lmstudio/models, the Hugging Face cache "
            + "~/.cache/huggingface/hub, any folder of GGUF files")
    List<Path> extraModelDirs = new ArrayList<>();

    @Option(names = "--remote-worker", description = "a worker on another machine instead of ours: llm=URL or "
            + "sd=URL, started there with --mode llm-worker|sd-worker --listen HOST:PORT --worker-token TOKEN; repeat it "
            + "for workers that stand by in that order, and add llm=local or sd=local for ours to stand by last")
    List<String> remoteWorkers = new ArrayList<>();

    @Option(names = WORKER_TOKEN, defaultValue = "${env:MYSTI_WORKER_TOKEN}",
            description = "the token the remote workers were started with (or set MYSTI_WORKER_TOKEN)")
    String workerToken;

    @Option(names = DATA_DIR, defaultValue = "data", description = "conversations, images and settings (default ./${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--api-key", defaultValue = "${env:MYSTI_API_KEY}", description = "require Authorization: Bearer KEY on /v1, /sdapi and /api (or set MYSTI_API_KEY)")
    String apiKey;

    @Option(names = LLM_MODEL, description = "GGUF file in models/llm to load at start")
    String llmModel;

    @Option(names = SD_MODEL, description = "checkpoint in models/sd/checkpoints to load at start")
    String sdModel;

    @Option(names = LLM_THREADS, defaultValue = "0", description = "threads for llama.cpp (default: the split saved in Settings, else half the cores)")
    int llmThreads;

    @Option(names = SD_THREADS, defaultValue = "0", description = "threads for Stable Diffusion (default: the split saved in Settings, else the other half)")
    int sdThreads;

    @Option(names = SD_LOW_MEMORY, description = "keep the image model's weights in 16 bits: about 1 GB less for SD 1.5, about 7%% slower")
    boolean sdLowMemory;

    @Option(names = LOG_LEVEL, defaultValue = "info", description = "engine log level: error, warn, info, debug (default ${DEFAULT-VALUE})")
    String logLevel;

    @Option(names = "--max-body-mb", defaultValue = "64", description = "largest request body accepted, in MiB (default ${DEFAULT-VALUE})")
    int maxBodyMb;

    @Option(names = "--memory-policy", defaultValue = "auto", description = "when an image job would not fit beside the "
            + "language model: auto (unload the language model only then), unload-llm-for-images (always), keep-both (refuse the job)")
    String memoryPolicy;

    @Option(names = "--memory-budget-mb", defaultValue = "0", description = "most memory both workers may use together, in MiB (default: what the machine has)")
    long memoryBudgetMb;

    @Option(names = "--llm-keep-alive", description = "unload the language model once idle this long (5m, 1h, 30s; "
            + "default: never; a request's keep_alive overrides it)")
    String llmKeepAlive;

    @Option(names = "--llm-any-model-name", description = "let a request naming no model file of models/llm (gpt-4o ...) "
            + "answer with the loaded model instead of a 404 model_not_found")
    boolean llmAnyModelName;

    @Option(names = "--cors-origin", description = "let web pages from this origin call the API (e.g. http://localhost:3000); CORS is off without it")
    String corsOrigin;

    @Option(names = MAX_IMAGE_SIDE, defaultValue = "2048", description = "largest image width/height in pixels (default ${DEFAULT-VALUE})")
    int maxImageSide;

    @Option(names = MAX_STEPS, defaultValue = "150", description = "most sampler steps per image (default ${DEFAULT-VALUE})")
    int maxSteps;

    @Option(names = MAX_BATCH, defaultValue = "16", description = "most images per request (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = MAX_PROMPT_CHARS, defaultValue = "20000", description = "longest image prompt (default ${DEFAULT-VALUE})")
    int maxPromptChars;

    @Option(names = IMAGE_QUEUE, defaultValue = "8", description = "image jobs that may wait behind the running one (default ${DEFAULT-VALUE})")
    int imageQueue;

    @Option(names = MAX_TOKENS, defaultValue = "0", description = "most tokens one reply may generate; 0 = up to the context (default)")
    int maxTokens;

    @Option(names = LLM_QUEUE, defaultValue = "16", description = "chat requests that may wait for a free slot (default ${DEFAULT-VALUE})")
    int llmQueue;

    @Option(names = MAX_STREAMS, defaultValue = "64", description = "event streams relayed at once (default ${DEFAULT-VALUE})")
    int maxStreams;

    public static void main(String[] args) {
        // A worker's command line is the orchestrator's to write; it is read by the class that writes it.
        Optional<WorkerConfig> worker;
        try {
            worker = WorkerCommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mysticanvas: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (worker.isPresent()) {
            runWorker(worker.get());
            return;
        }
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    private static void runWorker(WorkerConfig config) {
        switch (config.kind()) {
            case LLM -> LlmWorker.run(config);
            case SD -> SdWorker.run(config);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("orchestrator")) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "unknown --mode '" + mode + "': expected orchestrator, llm-worker or sd-worker");
        }
        Limits limits;
        Orchestrator orchestrator;
        try {
            limits = new Limits(maxImageSide, maxSteps, maxBatch, maxPromptChars, imageQueue, maxTokens, llmQueue, maxStreams);
            OrchestratorConfig config = new OrchestratorConfig(host, port, modelsDir, dataDir, apiKey,
                    llmModel, sdModel, llmThreads, sdThreads, sdLowMemory, logLevel, maxBodyMb * 1024L * 1024L,
                    MemoryPolicy.parse(memoryPolicy), memoryBudgetMb << 20, corsOrigin, limits,
                    llmKeepAlive == null ? null : LlmKeepAlive.parse(llmKeepAlive), llmAnyModelName, extraModelDirs,
                    RemoteWorkers.parse(remoteWorkers, workerToken));
            orchestrator = Orchestrator.start(config, WorkerLauncher.sameJvm(Main.class.getName()));
        } catch (IllegalArgumentException | com.mysticanvas.core.Problem e) {
            System.err.println("mysticanvas: " + e.getMessage());
            return 2;
        }
        System.out.println("MystiCanvas is running at http://" + host + ":" + orchestrator.port() + "/");
        orchestrator.runUntilShutdown();
        return 0;
    }
}
