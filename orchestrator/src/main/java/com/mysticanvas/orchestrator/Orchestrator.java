package com.mysticanvas.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.HttpServers;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.system.SystemMemory;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.backends.BackendProxy;
import com.mysticanvas.orchestrator.backends.Backends;
import com.mysticanvas.orchestrator.backends.ConnectionsApi;
import com.mysticanvas.orchestrator.downloads.DownloadManager;
import com.mysticanvas.orchestrator.downloads.DownloadSettings;
import com.mysticanvas.orchestrator.downloads.DownloadsApi;
import com.mysticanvas.orchestrator.events.EventHub;
import com.mysticanvas.orchestrator.events.ImageJobRelay;
import com.mysticanvas.orchestrator.http.ApiKeyAuth;
import com.mysticanvas.orchestrator.http.InFlight;
import com.mysticanvas.orchestrator.memory.MemoryArbiter;
import com.mysticanvas.orchestrator.memory.LlmKeepAlive;
import com.mysticanvas.orchestrator.memory.MemoryGate;
import com.mysticanvas.orchestrator.storage.ConversationStore;
import com.mysticanvas.orchestrator.storage.Database;
import com.mysticanvas.orchestrator.storage.DownloadStore;
import com.mysticanvas.orchestrator.storage.GalleryStore;
import com.mysticanvas.orchestrator.storage.SettingsStore;
import com.mysticanvas.orchestrator.studio.Capabilities;
import com.mysticanvas.orchestrator.studio.ChatService;
import com.mysticanvas.orchestrator.studio.ImageService;
import com.mysticanvas.orchestrator.studio.StudioApi;
import com.mysticanvas.orchestrator.workers.ModelCatalog;
import com.mysticanvas.orchestrator.workers.ProcessManager;
import com.mysticanvas.orchestrator.workers.ReverseProxy;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The default mode: serves the web UI and {@code /api}, supervises the two workers and proxies
 * {@code /v1} and {@code /sdapi} to them. It loads no engine code and no model weights. This class only wires
 * the rooms together: {@code workers/} (supervision, the pipe to each worker, the proxy), {@code downloads/}
 * (the model library), {@code events/},
 * {@code http/} (auth, work in flight), {@code memory/}, {@code studio/} and {@code storage/}.
 */
public final class Orchestrator implements AutoCloseable {
    private final ProcessManager processes;
    private final EventHub events;
    private final ImageJobRelay imageJobs;
    private final Database database;
    private final DownloadManager downloads;
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
        JsonNode saved = settings.all();
        OrchestratorConfig config = withSavedRemoteWorkers(
                requested.withSavedThreads(saved.path("threads")).withSavedModelDirs(saved.path("extraModelDirs")), saved, console);
        this.inFlight = new InFlight(config.limits().maxStreams());
        Map<WorkerKind, WorkerConfig> workers = new EnumMap<>(WorkerKind.class);
        for (WorkerKind kind : WorkerKind.values()) {
            workers.put(kind, config.worker(kind));
        }
        this.processes = new ProcessManager(workers, config.remoteWorkers(), launcher, timing, console, inFlight);
        this.events = new EventHub();
        events.snapshotOnConnect("workers", processes::statuses);
        processes.addListener(status -> events.publish("worker", status));
        this.imageJobs = new ImageJobRelay(processes.sd(), events::publish);
        processes.addListener(imageJobs::onWorker);
        events.snapshotOnConnect("image-jobs", imageJobs::active);
        ConversationStore conversations = new ConversationStore(database);
        int interrupted = conversations.markInterrupted();
        if (interrupted > 0) {
            console.println("kept " + interrupted + " reply(ies) that were being generated when MystiCanvas stopped, marked incomplete");
        }
        MemoryArbiter memory = new MemoryArbiter(config.memoryPolicy(), config.memoryBudgetBytes(),
                config.limits().maxImageSide(), config.models(),
                processes::statuses, SystemMemory::read, processes.llm(), events::publish);
        Backends backends = new Backends(database);
        BackendProxy backendProxy = new BackendProxy(backends, () -> {
            try {
                return processes.sd().capabilities(); // its sampler titles are A1111's names for ours
            } catch (RuntimeException workerDown) {
                return Json.object();
            }
        }, () -> processes.endpoint(WorkerKind.LLM).get("/api/tags", Duration.ofSeconds(10)));
        GalleryStore gallery = new GalleryStore(database, config.dataDir().resolve("images"));
        StudioApi studio = new StudioApi(conversations, gallery, settings,
                new ChatService(conversations, request -> backendProxy.openStream(request)
                        .orElseGet(() -> processes.llm().chat(request))),
                new ImageService(processes.sd(), gallery, memory, () -> processes.status(WorkerKind.SD).model(), events::publish,
                        backendProxy::openImageJob),
                new Capabilities(config.limits(), config.maxBodyBytes(), processes.sd()), events::publish);
        ReverseProxy proxy = new ReverseProxy(processes, backendProxy);
        LlmKeepAlive keepAlive = new LlmKeepAlive(config.llmKeepAlive(), () -> processes.status(WorkerKind.LLM).model(),
                () -> processes.llm().unload());
        this.downloads = new DownloadManager(new DownloadStore(database), config.models(),
                DownloadSettings.fromEnvironment(System.getenv()), events::publish);
        events.snapshotOnConnect("downloads", downloads::list);
        MemoryGate gate = new MemoryGate(memory, proxy, config.models(), processes.llm(), keepAlive,
                config.llmAnyModelName(), downloads::downloadedAs, backends::serves,
                () -> processes.status(WorkerKind.LLM).remote());
        ModelCatalog models = new ModelCatalog(processes.llm(), processes.sd(), backends::catalogEntries);
        ConnectionsApi connections = new ConnectionsApi(backends);
        DownloadsApi library = new DownloadsApi(downloads, SystemMemory::read);
        ApiKeyAuth auth = new ApiKeyAuth(config.apiKey());
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
            RoutesConfig r = c.routes;
            r.before(auth::check);
            r.before(inFlight::enter);
            r.after(inFlight::exit);
            r.get("/health", ctx -> ctx.json(Map.of("status", "ok", "workers", processes.statuses())));
            r.get("/api/workers", ctx -> ctx.json(Map.of("workers", processes.statuses())));
            r.post("/api/workers/{name}/restart", ctx -> {
                WorkerKind kind = WorkerKind.fromId(ctx.pathParam("name"));
                processes.restart(kind);
                ctx.status(202).json(Map.of("restarting", kind.id()));
            });
            r.get("/api/events", events::serve);
            r.get("/v1/models", ctx -> ctx.json(models.list()));
            r.get("/api/memory", ctx -> ctx.json(memory.describe()));
            library.routes(r);
            connections.routes(r);
            gate.routes(r); // before the proxy's catch-all routes, which would take the same paths
            proxy.routes(r);
            studio.routes(r);
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
        o.downloads.start();
        return o;
    }

    public int port() {
        return http.port();
    }

    public ProcessManager processes() {
        return processes;
    }

    /** The remote workers saved in Settings added to the command line's; ones that do not read are said and left out. */
    private static OrchestratorConfig withSavedRemoteWorkers(OrchestratorConfig config, JsonNode saved, PrintStream console) {
        try {
            return config.withSavedRemoteWorkers(saved.path(SettingsStore.REMOTE_WORKERS));
        } catch (IllegalArgumentException e) {
            console.println("mysticanvas: the remote workers saved in Settings are not used: " + e.getMessage());
            return config;
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

    /**
     * Graceful stop within a bound: refuse new requests, end the streams in flight (their replies are
     * saved, marked incomplete) and give handlers up to 5 s, then stop the server, the workers and the database.
     */
    @Override
    public void close() {
        inFlight.drain(Duration.ofSeconds(5));
        events.close();
        http.stop();
        downloads.close();
        imageJobs.close();
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
