package com.mysticanvas.orchestrator;

import com.mysticanvas.core.ApiException;
import com.mysticanvas.core.HttpServers;
import com.mysticanvas.core.WorkerKind;
import com.mysticanvas.core.WorkerServer;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import com.mysticanvas.orchestrator.storage.ConversationStore;
import com.mysticanvas.orchestrator.storage.Database;
import com.mysticanvas.orchestrator.storage.GalleryStore;
import com.mysticanvas.orchestrator.storage.SettingsStore;
import com.mysticanvas.orchestrator.studio.ChatService;
import com.mysticanvas.orchestrator.studio.StudioApi;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
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
    private static final List<HandlerType> PROXIED_METHODS =
            List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE, HandlerType.PATCH);

    private final OrchestratorConfig config;
    private final ProcessManager processes;
    private final EventHub events;
    private final Database database;
    private final Javalin http;

    private Orchestrator(OrchestratorConfig config, WorkerLauncher launcher, SupervisorTiming timing,
                         PrintStream console) {
        if (!config.isLoopback() && (config.apiKey() == null || config.apiKey().isBlank())) {
            throw new IllegalArgumentException("refusing to listen on " + config.host()
                    + " without an API key: anyone on the network could use it. Pass --api-key KEY "
                    + "(or set MYSTI_API_KEY), or bind 127.0.0.1.");
        }
        this.config = config;
        this.processes = new ProcessManager(config, launcher, timing, console);
        this.events = new EventHub(processes::statuses);
        processes.addListener(status -> events.publish("worker", status));
        this.database = openDatabase(config.dataDir());
        WorkerClient workerClient = new WorkerClient(processes);
        ConversationStore conversations = new ConversationStore(database);
        int interrupted = conversations.markInterrupted();
        if (interrupted > 0) {
            console.println("kept " + interrupted + " reply(ies) that were being generated when MystiCanvas stopped, marked incomplete");
        }
        StudioApi studio = new StudioApi(conversations, new GalleryStore(database, config.dataDir().resolve("images")),
                new SettingsStore(database), new ChatService(conversations, workerClient));
        ReverseProxy proxy = new ReverseProxy(processes);
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
            routes(c.routes, proxy, models);
            studio.routes(c.routes);
        });
    }

    public static Orchestrator start(OrchestratorConfig config, WorkerLauncher launcher) {
        return start(config, launcher, SupervisorTiming.DEFAULT, System.out);
    }

    public static Orchestrator start(OrchestratorConfig config, WorkerLauncher launcher, SupervisorTiming timing,
                              PrintStream console) {
        Orchestrator o = new Orchestrator(config, launcher, timing, console);
        o.http.start();
        o.processes.start();
        return o;
    }

    public int port() {
        return http.port();
    }

    public ProcessManager processes() {
        return processes;
    }

    private void routes(RoutesConfig r, ReverseProxy proxy, ModelCatalog models) {
        r.before(this::authenticate);
        r.get("/health", ctx -> ctx.json(Map.of("status", "ok", "workers", processes.statuses())));
        r.get("/api/workers", ctx -> ctx.json(Map.of("workers", processes.statuses())));
        r.post("/api/workers/{name}/restart", ctx -> {
            WorkerKind kind = WorkerKind.fromId(ctx.pathParam("name"));
            processes.restart(kind);
            ctx.status(202).json(Map.of("restarting", kind.id()));
        });
        r.sse("/api/events", events::connect);
        r.get("/v1/models", ctx -> ctx.json(models.list()));
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
            throw new ApiException(401, "authentication_error", "invalid_api_key",
                    "missing or wrong API key: send Authorization: Bearer KEY");
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

    /** Stops the HTTP server first (no new work), then the workers. */
    @Override
    public void close() {
        http.stop();
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
