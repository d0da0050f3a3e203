package com.mysticanvas.orchestrator;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpServers;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerServer;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.orchestrator.memory.MemoryArbiter;
import com.mysticanvas.core.system.SystemMemory;
import com.mysticanvas.orchestrator.storage.ConversationStore;
import com.mysticanvas.orchestrator.storage.Database;
import com.mysticanvas.orchestrator.storage.GalleryStore;
import com.mysticanvas.orchestrator.storage.SettingsStore;
import com.mysticanvas.orchestrator.studio.ChatService;
import com.mysticanvas.orchestrator.studio.ImageService;
import com.mysticanvas.orchestrator.studio.StudioApi;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The default mode: serves the web UI and {@code /api}, supervises the two workers and proxies
 * {@code /v1} and {@code /sdapi} to them. It loads no engine code and no model weights.
 */
public final class Orchestrator implements AutoCloseable {
    /** Which worker serves which path (design, section 2). Exact {@code GET /v1/models} is ours. */
    static final Map<WorkerKind, List<String>> ROUTES = Map.of(
            WorkerKind.LLM, List.of("/v1/chat/*", "/v1/completions", "/v1/embeddings", "/v1/llm/*"),
            WorkerKind.SD, List.of("/v1/models/*", "/v1/images/*", "/sdapi/v1/*"));
    /** Requests that start an image job on the SD worker. */
    private static final List<String> IMAGE_JOB_PATHS =
            List.of("/v1/images/generations", "/v1/images/edits", "/sdapi/v1/txt2img", "/sdapi/v1/img2img");
    private static final List<HandlerType> PROXIED_METHODS =
            List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE, HandlerType.PATCH);

    private final OrchestratorConfig config;
    private final ProcessManager processes;
    private final EventHub events;
    private final ImageJobRelay imageJobs;
    private final Database database;
    private final InFlight inFlight;
    private final Javalin http;

    private Orchestrator(OrchestratorConfig requested, WorkerLauncher launcher, SupervisorTiming timing,
                         PrintStream console) {
        if (!requested.isLoopback() && (requested.apiKey() == null || requested.apiKey().isBlank())) {
            throw new IllegalArgumentException("refusing to listen on " + requested.host()
                    + " without an API key: anyone on the network could use it. Pass --api-key KEY "
                    + "(or set MYSTI_API_KEY), or bind 127.0.0.1.");
        }
        this.database = openDatabase(requested.dataDir());
        SettingsStore settings = new SettingsStore(database);
        OrchestratorConfig config = requested.withSavedThreads(settings.all().path("threads"));
        this.config = config;
        this.inFlight = new InFlight(config.limits().maxStreams());
        this.processes = new ProcessManager(config, launcher, timing, console);
        this.events = new EventHub();
        events.snapshotOnConnect("workers", processes::statuses);
        processes.addListener(status -> events.publish("worker", status));
        WorkerClient workerClient = new WorkerClient(processes, inFlight);
        this.imageJobs = new ImageJobRelay(workerClient, events::publish);
        processes.addListener(imageJobs::onWorker);
        events.snapshotOnConnect("image-jobs", imageJobs::active);
        ConversationStore conversations = new ConversationStore(database);
        int interrupted = conversations.markInterrupted();
        if (interrupted > 0) {
            console.println("kept " + interrupted + " reply(ies) that were being generated when MystiCanvas stopped, marked incomplete");
        }
        MemoryArbiter memory = new MemoryArbiter(config.memoryPolicy(), config.memoryBudgetBytes(),
                config.limits().maxImageSide(), config.modelsDir(),
                processes::statuses, SystemMemory::read, workerClient, events::publish);
        GalleryStore gallery = new GalleryStore(database, config.dataDir().resolve("images"));
        StudioApi studio = new StudioApi(conversations, gallery, settings,
                new ChatService(conversations, workerClient),
                new ImageService(workerClient, gallery, memory, () -> processes.statuses().get(WorkerKind.SD.id()).model(),
                        events::publish), events::publish);
        ReverseProxy proxy = new ReverseProxy(processes, inFlight);
        ModelCatalog models = new ModelCatalog(workerClient);
        this.http = HttpServers.create(config.host(), config.port(), config.maxBodyBytes(), c -> {
            if (Orchestrator.class.getResource("/webui/index.html") != null) {
                c.staticFiles.add(files -> {
                    files.hostedPath = "/";
                    files.directory = "/webui";
                    files.location = Location.CLASSPATH;
                });
            } else {
                c.routes.get("/", ctx -> ctx.html("<!doctype html><title>MystiCanvas</title>"
                        + "<p>The web UI is not built into this jar. Run <code>./mysticanvas build</code>."));
            }
            if (config.corsOrigin() != null && !config.corsOrigin().isBlank()) {
                c.bundledPlugins.enableCors(cors -> cors.addRule(rule -> rule.allowHost(config.corsOrigin())));
            }
            routes(c.routes, proxy, models, memory);
            studio.routes(c.routes);
        });
    }

    public static Orchestrator start(OrchestratorConfig config, WorkerLauncher launcher) {
        return start(config, launcher, SupervisorTiming.DEFAULT, System.out);
    }

    public static Orchestrator start(OrchestratorConfig config, WorkerLauncher launcher, SupervisorTiming timing,
                              PrintStream console) {
        Orchestrator o = new Orchestrator(config, launcher, timing, console);
        try {
            o.http.start();
        } catch (RuntimeException e) {
            o.events.close();
            o.database.close();
            throw new IllegalArgumentException("cannot listen on " + config.host() + ":" + config.port()
                    + " (is MystiCanvas already running? pick another with --port): " + e.getMessage(), e);
        }
        o.processes.start();
        return o;
    }

    public int port() {
        return http.port();
    }

    public ProcessManager processes() {
        return processes;
    }

    private void routes(RoutesConfig r, ReverseProxy proxy, ModelCatalog models, MemoryArbiter memory) {
        r.before(this::authenticate);
        r.before(inFlight::enter);
        r.after(inFlight::exit);
        r.get("/health", ctx -> ctx.json(Map.of("status", "ok", "workers", processes.statuses())));
        r.get("/api/workers", ctx -> ctx.json(Map.of("workers", processes.statuses())));
        r.post("/api/workers/{name}/restart", ctx -> {
            WorkerKind kind = WorkerKind.fromId(ctx.pathParam("name"));
            processes.restart(kind);
            ctx.status(202).json(Map.of("restarting", kind.id()));
        });
        r.sse("/api/events", events::connect);
        r.get("/v1/models", ctx -> ctx.json(models.list()));
        r.get("/api/memory", ctx -> ctx.json(memory.describe()));
        // Image jobs and model loads pass the memory arbiter first; registered before the catch-all proxy routes.
        for (String path : IMAGE_JOB_PATHS) {
            r.post(path, ctx -> {
                int[] size = MemoryArbiter.imageSize(lenientJson(ctx));
                try (MemoryArbiter.Permit ignored = memory.beforeImageJob(size[0], size[1])) {
                    proxy.forward(ctx, WorkerKind.SD);
                }
            });
        }
        r.post("/v1/llm/load", ctx -> {
            memory.beforeModelLoad(WorkerKind.LLM, lenientJson(ctx).path("model").asText(null));
            proxy.forward(ctx, WorkerKind.LLM);
        });
        r.post("/v1/models/load", ctx -> {
            memory.beforeModelLoad(WorkerKind.SD, lenientJson(ctx).path("checkpoint").asText(null));
            proxy.forward(ctx, WorkerKind.SD);
        });
        r.post("/sdapi/v1/options", ctx -> {
            memory.beforeModelLoad(WorkerKind.SD, lenientJson(ctx).path("sd_model_checkpoint").asText("")
                    .replaceAll("\\s*\\[[0-9a-fA-F]+]$", ""));
            proxy.forward(ctx, WorkerKind.SD);
        });
        ROUTES.forEach((kind, paths) -> {
            for (String path : paths) {
                for (HandlerType method : PROXIED_METHODS) {
                    r.addHttpHandler(method, path, ctx -> proxy.forward(ctx, kind));
                }
            }
        });
    }

    /** With an API key set, every API path needs {@code Authorization: Bearer KEY}; the UI's files do not. */
    private void authenticate(Context ctx) {
        String key = config.apiKey();
        if (key == null || key.isBlank() || !isApiPath(ctx.path())) {
            return;
        }
        String header = ctx.header("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (!WorkerServer.matches(key.getBytes(StandardCharsets.UTF_8), given)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw Problem.unauthorized("invalid_api_key",
                    "missing or wrong API key: send Authorization: Bearer KEY");
        }
    }

    /** The body as JSON when it is JSON (the worker answers malformed bodies itself), else an empty object. */
    private static JsonNode lenientJson(Context ctx) {
        try {
            return Json.MAPPER.readTree(ctx.bodyAsBytes());
        } catch (IOException | RuntimeException e) {
            return Json.object();
        }
    }

    private static Database openDatabase(Path dataDir) {
        Path file = dataDir.resolve("mysticanvas.db");
        try {
            return Database.open(file);
        } catch (IOException | SQLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot open the database " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static boolean isApiPath(String path) {
        return path.startsWith("/v1/") || path.equals("/v1") || path.startsWith("/sdapi/") || path.startsWith("/api/");
    }

    /**
     * Graceful stop within a bound: refuse new requests, end the streams in flight (their replies are
     * saved, marked incomplete) and give handlers up to 5 s, then stop the server, the workers and the database.
     */
    @Override
    public void close() {
        inFlight.drain(Duration.ofSeconds(5));
        http.stop();
        imageJobs.close();
        events.close();
        processes.close();
        database.close();
    }

    /** Blocks until the JVM is asked to exit, then shuts down cleanly. */
    public void runUntilShutdown() throws InterruptedException {
        Thread hook = new Thread(this::close, "orchestrator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread.currentThread().join();
    }
}
