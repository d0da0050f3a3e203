package com.mysticanvas.app.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A real orchestrator on a free loopback port, in this JVM, with real worker processes relaunched
 * from the test class path. Tests may swap a worker's main class for a test worker.
 */
public final class TestOrchestrator implements AutoCloseable {
    /** Short intervals so hung-worker tests take seconds, not minutes (the 2 s timeout allows for a loaded CI machine). */
    public static final SupervisorTiming FAST = new SupervisorTiming(Duration.ofMillis(300), Duration.ofSeconds(2), 3,
            Duration.ofSeconds(60), Duration.ofSeconds(60));

    public final Orchestrator orchestrator;
    public final URI base;
    public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String apiKey;
    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();

    private TestOrchestrator(Builder b) {
        PrintStream console = new PrintStream(new TeeStream(consoleBytes, System.out), true, StandardCharsets.UTF_8);
        OrchestratorConfig defaults = OrchestratorConfig.loopback(0, b.modelsDir, b.dataDir);
        OrchestratorConfig config = new OrchestratorConfig(defaults.host(), 0, b.modelsDir, b.dataDir, b.apiKey,
                b.llmModel, b.sdModel, b.llmThreads, b.sdThreads, b.sdLowMemory, defaults.logLevel(), defaults.maxBodyBytes(),
                b.memoryPolicy, b.memoryBudgetBytes, defaults.corsOrigin(), b.limits, null, b.anyModelName, java.util.List.of(),
                b.remoteWorkers);
        orchestrator = Orchestrator.start(config, WorkerLauncher.sameJvm(b.mainClasses), b.timing, console);
        base = URI.create("http://127.0.0.1:" + orchestrator.port());
        apiKey = b.apiKey;
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public static final class Builder {
        private final Map<WorkerKind, String> mainClasses = new EnumMap<>(Map.of(
                WorkerKind.LLM, Main.class.getName(), WorkerKind.SD, Main.class.getName()));
        private Path modelsDir;
        private Path dataDir;
        private String apiKey;
        private String llmModel;
        private String sdModel;
        private int llmThreads = 1;
        private int sdThreads = 1;
        private boolean sdLowMemory;
        private boolean anyModelName;
        private com.mysticanvas.orchestrator.workers.RemoteWorkers remoteWorkers = com.mysticanvas.orchestrator.workers.RemoteWorkers.NONE;
        private SupervisorTiming timing = FAST;
        private MemoryPolicy memoryPolicy = MemoryPolicy.AUTO;
        private long memoryBudgetBytes;
        private Limits limits = Limits.DEFAULTS;

        private Builder(Path dir) {
            modelsDir = dir.resolve("models");
            dataDir = dir.resolve("data");
        }

        public Builder worker(WorkerKind kind, Class<?> mainClass) {
            mainClasses.put(kind, mainClass.getName());
            return this;
        }

        public Builder workerMainClass(WorkerKind kind, String mainClass) {
            mainClasses.put(kind, mainClass);
            return this;
        }

        public Builder modelsDir(Path dir) {
            modelsDir = dir;
            return this;
        }

        public Builder apiKey(String key) {
            apiKey = key;
            return this;
        }

        public Builder llmModel(String name) {
            llmModel = name;
            return this;
        }

        /** 0 leaves a worker's thread count to the saved settings, else to the worker. */
        public Builder threads(int llm, int sd) {
            llmThreads = llm;
            sdThreads = sd;
            return this;
        }

        public Builder sdLowMemory() {
            sdLowMemory = true;
            return this;
        }

        /** Workers on "other machines" (processes the test starts) instead of ones the orchestrator runs. */
        public Builder remoteWorkers(com.mysticanvas.orchestrator.workers.RemoteWorkers remote) {
            this.remoteWorkers = remote;
            return this;
        }

        /** {@code --llm-any-model-name}: names that are no model file answer with the loaded model. */
        public Builder anyModelName() {
            anyModelName = true;
            return this;
        }

        public Builder sdModel(String name) {
            sdModel = name;
            return this;
        }

        public Builder memory(MemoryPolicy policy, long budgetBytes) {
            memoryPolicy = policy;
            memoryBudgetBytes = budgetBytes;
            return this;
        }

        public Builder limits(Limits l) {
            limits = l;
            return this;
        }

        public Builder timing(SupervisorTiming t) {
            timing = t;
            return this;
        }

        public TestOrchestrator start() {
            return new TestOrchestrator(this);
        }
    }

    /** Everything the workers printed, as the orchestrator's console showed it. */
    public String console() {
        synchronized (consoleBytes) {
            return consoleBytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** GET, with the API key when the orchestrator has one. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(authorized(HttpRequest.newBuilder(base.resolve(path)).GET()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POST of JSON, with the API key when the orchestrator has one. */
    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(authorized(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs and reads the whole event stream as [event, data] pairs (asserting a 200 first). */
    public List<String[]> postEvents(String path, String body) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(authorized(HttpRequest.newBuilder(base.resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body))).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new AssertionError("POST " + path + " answered " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        List<String[]> events = new ArrayList<>();
        readEvents(r.body(), events, e -> false);
        return events;
    }

    /** Reads SSE events (not comments) as [event, data] until the stream ends or {@code stop} says so. */
    public static void readEvents(InputStream in, List<String[]> into, Predicate<String[]> stop) throws IOException {
        try (SseReader events = new SseReader(in)) {
            for (SseReader.Event next = events.next(); next != null; next = events.next()) {
                if (!next.isComment()) {
                    String[] e = {next.name(), next.data()};
                    into.add(e);
                    if (stop.test(e)) {
                        return;
                    }
                }
            }
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        return apiKey == null ? b : b.header("Authorization", "Bearer " + apiKey);
    }

    public JsonNode worker(WorkerKind kind) throws IOException, InterruptedException {
        return Json.parse(get("/api/workers").body()).path("workers").path(kind.id());
    }

    /**
     * Polls the LLM worker's busy-slot count until it equals {@code expected} or 5 s pass; returns the last count.
     * (The worker publishes it after each decode step, so it may trail the tokens a client has seen.)
     */
    public int busySlotsOnceSettled(int expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int busy = busySlots();
        while (busy != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
            busy = busySlots();
        }
        return busy;
    }

    private int busySlots() throws IOException, InterruptedException {
        return Json.parse(get("/v1/llm/status").body()).path("slots").path("busy").asInt();
    }

    /** Polls {@code /api/workers} until the worker's status matches, or fails after the timeout. */
    public JsonNode awaitWorker(WorkerKind kind, Predicate<JsonNode> condition, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = worker(kind);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("worker " + kind.id() + " did not reach the expected state in " + timeout
                + "; last status: " + last);
    }

    public JsonNode awaitReady(WorkerKind kind) throws IOException, InterruptedException {
        return awaitWorker(kind, w -> w.path("state").asText().equals("ready"), Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        orchestrator.close();
    }

    /** Copies console output to the test log too, so failures show what the workers said. */
    private static final class TeeStream extends OutputStream {
        private final ByteArrayOutputStream copy;
        private final OutputStream out;

        TeeStream(ByteArrayOutputStream copy, OutputStream out) {
            this.copy = copy;
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            synchronized (copy) {
                copy.write(b);
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (copy) {
                copy.write(b, off, len);
            }
            out.write(b, off, len);
        }
    }
}
