package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.orchestrator.storage.Database;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The external backends: the connections the user added, what models each serves (its {@code /v1/models}, read
 * again when older than {@link #MODELS_TTL}) and which of them it has loaded, and how each is doing. A request for a
 * model goes to the backends that list it: the ones that have it loaded first (a server that can say, Ollama's
 * {@code /api/ps} or LM Studio's {@code /api/v0/models}; others serve what they list, loaded), then by priority, then the least busy; a backend marked down
 * (it kept failing) only when its back-off has run out, last, as a probe. A success brings it back at once.
 */
public final class Backends {
    static final Duration MODELS_TTL = Duration.ofSeconds(15);
    /** Consecutive failures that mark a backend down; it is probed again after 1 s, doubling to a minute. */
    static final int FAILURES_TO_DOWN = 2;
    private static final long MAX_BACKOFF_MS = 60_000;

    /** Where a model can go: the connection, and the name the backend knows it by (without the prefix). */
    public record Target(Connection connection, String upstreamModel) {}

    /**
     * A model a backend lists, as the orchestrator's list shows it; {@code upstream} has its own {@code id} (and for an
     * A1111 backend the checkpoint's {@code title}, the name its options take).
     */
    public record Model(Connection connection, String id, JsonNode upstream) {}

    private static final class Health {
        final AtomicInteger inFlight = new AtomicInteger();
        volatile int failures;
        volatile long downUntilMillis;
        volatile String lastError;
        volatile List<JsonNode> models = List.of();
        /** The models it has loaded now, when it says (Ollama's /api/ps); null: whatever it lists. */
        volatile java.util.Set<String> loaded;
        volatile long modelsReadAtNanos;
    }

    private final ConnectionStore store;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Health> health = new ConcurrentHashMap<>();
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile List<Connection> connections;

    public Backends(Database db) {
        this.store = new ConnectionStore(db);
        this.connections = store.all();
    }

    HttpClient http() {
        return http;
    }

    /** The connections with how each is doing and the models it lists (read again first when stale). */
    public List<ObjectNode> describe() {
        refreshModels();
        List<ObjectNode> out = new ArrayList<>();
        for (Connection c : connections) {
            Health h = health(c);
            ObjectNode j = c.toJson();
            boolean down = h.failures >= FAILURES_TO_DOWN;
            j.put("state", !c.enabled() ? "disabled" : down ? "down" : h.modelsReadAtNanos == 0 ? "unknown" : "up");
            j.put("last_error", h.lastError);
            j.put("in_flight", h.inFlight.get());
            var models = j.putArray("models");
            h.models.forEach(m -> models.add(c.prefix() + m.path("id").asText()));
            out.add(j);
        }
        return out;
    }

    public ObjectNode add(JsonNode body) {
        Connection c = Connection.from(body, null, UUID.randomUUID().toString());
        store.save(c);
        reload();
        return c.toJson();
    }

    public ObjectNode update(String id, JsonNode body) {
        Connection c = Connection.from(body, connection(id), id);
        store.save(c);
        health.remove(id); // a new URL or key: nothing known of it yet
        reload();
        return c.toJson();
    }

    public void delete(String id) {
        connection(id);
        store.delete(id);
        health.remove(id);
        reload();
    }

    private Connection connection(String id) {
        return connections.stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> Problem.notFound("no connection '" + id + "'"));
    }

    private void reload() {
        connections = store.all();
    }

    private Health health(Connection c) {
        return health.computeIfAbsent(c.id(), id -> new Health());
    }

    /** Every model the enabled backends list, each under its connection's prefix; stale lists are read again first. */
    public List<Model> models() {
        refreshModels();
        List<Model> out = new ArrayList<>();
        for (Connection c : connections) {
            if (c.enabled()) {
                for (JsonNode m : health(c).models) {
                    out.add(new Model(c, c.prefix() + m.path("id").asText(), m));
                }
            }
        }
        return out;
    }

    /** The backends' models as {@code GET /v1/models} lists them: OpenAI's fields, and where each runs. */
    public List<ObjectNode> catalogEntries() {
        List<ObjectNode> out = new ArrayList<>();
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (Model m : models()) {
            if (!listed.add(m.id())) {
                continue; // served by several backends: listed once, by the one tried first (the highest priority)
            }
            ObjectNode e = Json.object().put("id", m.id()).put("object", "model")
                    .put("created", m.upstream().path("created").asLong(0)).put("owned_by", m.connection().name())
                    .put("type", m.connection().kind() == Connection.Kind.A1111 ? "image" : "llm");
            e.putObject("backend").put("id", m.connection().id()).put("name", m.connection().name())
                    .put("host", m.connection().url().getHost());
            out.add(e);
        }
        return out;
    }

    /**
     * The backends to try for {@code model}, best first; empty when no backend lists it (then it is a local model,
     * or unknown). A down backend whose back-off has not run out is left out.
     */
    public List<Target> route(String model) {
        return route(model, Connection.Kind.OPENAI);
    }

    /** {@link #route(String)} among the backends of one kind; an A1111 target names the checkpoint by its title. */
    public List<Target> route(String model, Connection.Kind kind) {
        if (model == null || connections.isEmpty()) {
            return List.of();
        }
        List<Target> up = new ArrayList<>();
        List<Target> probes = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Model m : models()) {
            if (m.connection().kind() == kind && m.id().equals(model)) {
                Health h = health(m.connection());
                Target t = new Target(m.connection(), kind == Connection.Kind.A1111
                        ? m.upstream().path("title").asText(m.upstream().path("id").asText()) : m.upstream().path("id").asText());
                if (h.failures < FAILURES_TO_DOWN) {
                    up.add(t);
                } else if (now >= h.downUntilMillis) {
                    probes.add(t);
                }
            }
        }
        up.sort(Comparator.comparing((Target t) -> !holds(t))
                .thenComparingInt(t -> -t.connection().priority())
                .thenComparingInt(t -> health(t.connection()).inFlight.get()));
        up.addAll(probes);
        return up;
    }

    /** True when the target's backend has its model loaded (or cannot say, and so serves what it lists). */
    private boolean holds(Target t) {
        java.util.Set<String> loaded = health(t.connection()).loaded;
        return loaded == null || loaded.contains(t.upstreamModel());
    }

    /** True when a connection is configured. */
    public boolean any() {
        return !connections.isEmpty();
    }

    /** True when some backend lists {@code model} (down or not): it is not a local model name. */
    public boolean serves(String model) {
        return serves(model, Connection.Kind.OPENAI);
    }

    public boolean serves(String model, Connection.Kind kind) {
        return model != null && !connections.isEmpty()
                && models().stream().anyMatch(m -> m.connection().kind() == kind && m.id().equals(model));
    }

    /** The A1111 backend with an image job in flight now (whose progress is the one to show), or null. */
    Connection imageJobInFlight() {
        for (Connection c : connections) {
            if (c.kind() == Connection.Kind.A1111 && health(c).inFlight.get() > 0) {
                return c;
            }
        }
        return null;
    }

    void begin(Connection c) {
        health(c).inFlight.incrementAndGet();
    }

    void end(Connection c) {
        health(c).inFlight.decrementAndGet();
    }

    void succeeded(Connection c) {
        Health h = health(c);
        h.failures = 0;
        h.lastError = null;
    }

    void failed(Connection c, String why) {
        Health h = health(c);
        h.failures++;
        h.lastError = why;
        if (h.failures >= FAILURES_TO_DOWN) {
            long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(16, h.failures - FAILURES_TO_DOWN));
            h.downUntilMillis = System.currentTimeMillis() + backoff;
        }
    }

    /** Reads the model lists older than the TTL, all at once; a backend that does not answer keeps its last list. */
    private void refreshModels() {
        long now = System.nanoTime();
        List<Future<?>> reads = new ArrayList<>();
        for (Connection c : connections) {
            Health h = health(c);
            boolean down = h.failures >= FAILURES_TO_DOWN && System.currentTimeMillis() < h.downUntilMillis;
            if (c.enabled() && !down
                    && (h.modelsReadAtNanos == 0 || now - h.modelsReadAtNanos > MODELS_TTL.toNanos())) {
                reads.add(readers.submit(() -> readModels(c, h)));
            }
        }
        for (Future<?> f : reads) {
            try {
                f.get();
            } catch (Exception e) {
                // readModels records its own failures
            }
        }
    }

    /** An OpenAI backend's {@code /v1/models}; an A1111 one's {@code /sdapi/v1/sd-models} (by {@code model_name}). */
    private void readModels(Connection c, Health h) {
        boolean a1111 = c.kind() == Connection.Kind.A1111;
        String path = a1111 ? "/sdapi/v1/sd-models" : "/v1/models";
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint(c, path)).timeout(Duration.ofSeconds(5)).GET();
            authorize(c, request);
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                failed(c, "GET " + path + " answered " + r.statusCode());
                return;
            }
            List<JsonNode> list = new ArrayList<>();
            JsonNode answer = Json.parse(r.body());
            for (JsonNode m : a1111 ? answer : answer.path("data")) {
                if (a1111 && m.path("model_name").isTextual()) {
                    list.add(Json.object().put("id", m.path("model_name").asText()).put("title", m.path("title").asText()));
                } else if (!a1111 && m.path("id").isTextual()) {
                    list.add(m);
                }
            }
            h.models = List.copyOf(list);
            h.loaded = a1111 ? null : loadedModels(c);
            h.modelsReadAtNanos = System.nanoTime();
            succeeded(c);
        } catch (IOException | RuntimeException e) {
            failed(c, "GET " + path + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a server has loaded, where it says: Ollama's {@code /api/ps} ({@code models[].name}), else LM Studio's
     * {@code /api/v0/models} ({@code data[].id} whose {@code state} is {@code loaded}); null for a server that says
     * neither (vLLM and llama-server serve what they list).
     */
    private java.util.Set<String> loadedModels(Connection c) {
        JsonNode ps = getJson(c, "/api/ps");
        if (ps != null && ps.path("models").isArray()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            ps.path("models").forEach(m -> {
                names.add(m.path("name").asText());
                names.add(m.path("model").asText());
            });
            return names;
        }
        JsonNode lmStudio = getJson(c, "/api/v0/models");
        if (lmStudio != null && lmStudio.path("data").isArray()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            lmStudio.path("data").forEach(m -> {
                if ("loaded".equals(m.path("state").asText())) {
                    names.add(m.path("id").asText());
                }
            });
            return names;
        }
        return null;
    }

    /** A GET's JSON answer when it is a 200 with JSON, else null (the server has no such route, or did not answer). */
    private JsonNode getJson(Connection c, String path) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint(c, path)).timeout(Duration.ofSeconds(3)).GET();
            authorize(c, request);
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Json.parse(r.body()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static URI endpoint(Connection c, String path) {
        return URI.create(c.url().toString() + path);
    }

    static void authorize(Connection c, HttpRequest.Builder request) {
        if (c.apiKey() != null) {
            request.header("Authorization", "Bearer " + c.apiKey());
        }
    }
}
