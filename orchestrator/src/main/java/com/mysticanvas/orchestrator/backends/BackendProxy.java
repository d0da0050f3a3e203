package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.ClientDisconnect;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.http.MultipartForms;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.orchestrator.workers.ReverseProxy;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The proxy's way to the external backends: OpenAI chats, completions and embeddings, Ollama's chat, generate, embed and tags,
 * A1111's jobs and progress and OpenAI's image generations and edits go to the backend that serves their model. Each is sent as
 * the proxy sends local ones to the workers: the model renamed to the backend's own name where a prefix is in between, its key instead of the client's,
 * the answer streamed back as it comes. A backend that fails before its first byte (no connection, a 5xx, a 429) is
 * marked and the next one is tried; once bytes have reached the client nothing is retried (a failure then ends the
 * stream with the error frame). A client that hangs up closes the backend's connection, which is how
 * OpenAI-compatible servers see a cancel. The studio's chats take the same way ({@link #openStream}).
 */
public final class BackendProxy implements ReverseProxy.ExternalRoute {
    /** The OpenAI routes a backend is sent (Ollama's and the worker's own stay local). */
    static final Set<String> ROUTED = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");
    /** A1111's image jobs, sent to an A1111 backend when their {@code override_settings} name its checkpoint. */
    static final Set<String> A1111_JOBS = Set.of("/sdapi/v1/txt2img", "/sdapi/v1/img2img");
    private static final String A1111_PROGRESS = "/sdapi/v1/progress";
    private static final String OPENAI_IMAGES = "/v1/images/generations", OPENAI_EDITS = "/v1/images/edits";
    private static final Duration LONGEST_ANSWER = Duration.ofMinutes(30);

    private final Backends backends;
    private final Supplier<JsonNode> imageNames;
    private final Supplier<JsonNode> localTags;

    /**
     * @param imageNames the image worker's capabilities, whose sampler and schedule titles are A1111's names for ours
     *                   (an empty object when it is down: our names are sent as they are)
     * @param localTags  the LLM worker's Ollama {@code /api/tags} (the backends' models are added to it)
     */
    public BackendProxy(Backends backends, Supplier<JsonNode> imageNames,
                        Supplier<JsonNode> localTags) {
        this.backends = backends;
        this.imageNames = imageNames;
        this.localTags = localTags;
    }

    /** The backend that answered and its answer, its body still to read. */
    private record Reply(Connection connection, HttpResponse<InputStream> response) {}

    @Override
    public boolean forward(Context ctx) throws IOException {
        if (!backends.any()) {
            return false;
        }
        boolean post = ctx.method() == HandlerType.POST;
        if (post && A1111_JOBS.contains(ctx.path())) {
            return forwardImageJob(ctx);
        }
        if (post && (ctx.path().equals(OPENAI_IMAGES) || ctx.path().equals(OPENAI_EDITS))) {
            return forwardOpenAiImages(ctx, ctx.path().equals(OPENAI_EDITS));
        }
        if (!post && ctx.path().equals("/api/tags")) {
            JsonNode local;
            try {
                local = localTags.get();
            } catch (RuntimeException workerDown) {
                local = Json.object(); // the backends' models still answer
            }
            ctx.json(OllamaOnBackends.tags(local, backends));
            return true;
        }
        if (post && (ctx.path().equals("/api/chat") || ctx.path().equals("/api/generate"))) {
            return forwardOllama(ctx, ctx.path().equals("/api/generate"));
        }
        if (post && (ctx.path().equals("/api/embed") || ctx.path().equals("/api/embeddings"))) {
            return forwardOllamaEmbed(ctx, ctx.path().equals("/api/embeddings"));
        }
        if (!post && ctx.path().equals(A1111_PROGRESS)) {
            return forwardProgress(ctx);
        }
        if (!post || !ROUTED.contains(ctx.path())) {
            return false;
        }
        OpenAiRequest routed = openAiRequest(ctx);
        if (routed == null) {
            return false;
        }
        ObjectNode body = routed.body();
        String model = routed.model();
        List<Backends.Target> targets = routed.targets();
        Reply reply = firstAnswer(model, targets, ctx, t -> {
            // the client's bytes as they are, unless the backend knows the model by another name (a prefix)
            byte[] forwarded = t.upstreamModel().equals(model) ? ctx.bodyAsBytes()
                    : Json.write(body.deepCopy().put("model", t.upstreamModel())).getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(Backends.endpoint(t.connection(), ctx.path()))
                    .timeout(LONGEST_ANSWER).POST(HttpRequest.BodyPublishers.ofByteArray(forwarded));
            ReverseProxy.forwardHeaders(ctx, request);
            return request;
        });
        relay(ctx, reply);
        return true;
    }

    /**
     * An A1111 job whose {@code override_settings.sd_model_checkpoint} names an A1111 backend's checkpoint (its listed
     * name, {@code name.safetensors} or A1111's {@code "name [hash]"}): sent there with the backend's own title for it.
     */
    private boolean forwardImageJob(Context ctx) throws IOException {
        ObjectNode body = jsonBody(ctx);
        String named = body == null ? null : body.path("override_settings").path("sd_model_checkpoint").asText(null);
        if (named == null) {
            return false;
        }
        String model = named.replaceAll("\\s*\\[[0-9a-fA-F]+]$", "").replaceFirst("(?i)\\.(safetensors|ckpt)$", "");
        List<Backends.Target> targets = targets(model, Connection.Kind.A1111);
        if (targets.isEmpty()) {
            return false;
        }
        Reply reply = firstAnswer(model, targets, ctx, t -> {
            ObjectNode renamed = body.deepCopy();
            renamed.withObjectProperty("override_settings").put("sd_model_checkpoint", t.upstreamModel());
            HttpRequest.Builder request = HttpRequest.newBuilder(Backends.endpoint(t.connection(), ctx.path()))
                    .timeout(LONGEST_ANSWER).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(renamed), StandardCharsets.UTF_8));
            return request;
        });
        relay(ctx, reply);
        return true;
    }

    /**
     * OpenAI's {@code POST /v1/images/generations} or {@code /v1/images/edits} (JSON or multipart, with its image and
     * mask: A1111's img2img) whose {@code model} (or our {@code checkpoint}) is an A1111 backend's checkpoint: run there
     * as a studio job is ({@link A1111ImageJob}), answered as the image worker answers, whole or (with {@code stream:
     * true}) as its event stream of {@code queued}, {@code progress} and {@code result}.
     */
    private boolean forwardOpenAiImages(Context ctx, boolean edit) throws IOException {
        ObjectNode body = MultipartForms.isMultipart(ctx.contentType())
                ? MultipartForms.toJson(ctx.contentType(), ctx.bodyAsBytes()) : jsonBody(ctx);
        if (body == null || edit && !body.hasNonNull("image")) {
            return false; // the image worker says what is wrong with it
        }
        String model = body.path("checkpoint").asText(body.path("model").asText(null));
        if (model == null) {
            return false;
        }
        ObjectNode request = body.deepCopy().put("checkpoint", model);
        String size = body.path("size").asText("");
        if (size.matches("\\d+x\\d+")) {
            request.put("width", Integer.parseInt(size.substring(0, size.indexOf('x'))))
                    .put("height", Integer.parseInt(size.substring(size.indexOf('x') + 1)));
        }
        Optional<InputStream> events = openImageEvents(request, edit);
        if (events.isEmpty()) {
            return false;
        }
        try (InputStream in = events.get()) {
            if (body.path("stream").asBoolean(false)) {
                SseWriter.streamHeaders(ctx.res());
                ctx.res().setContentType("text/event-stream");
                in.transferTo(ctx.res().getOutputStream()); // already the image worker's events
                return true;
            }
            try (SseReader reader = new SseReader(in)) {
                for (SseReader.Event e = reader.next(); e != null; e = reader.next()) {
                    if ("result".equals(e.name())) {
                        ctx.contentType("application/json").result(e.data());
                        return true;
                    }
                    if ("error".equals(e.name())) {
                        throw HttpProblems.fromFrame("backend", e.data());
                    }
                }
            }
        }
        throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed", "the backend's job ended without a result");
    }

    /** Ollama's chat or generate naming a backend's model: an OpenAI chat there, answered in Ollama's shape. */
    private boolean forwardOllama(Context ctx, boolean generate) throws IOException {
        OpenAiRequest routed = openAiRequest(ctx);
        if (routed == null) {
            return false;
        }
        ObjectNode body = routed.body();
        String model = routed.model();
        List<Backends.Target> targets = routed.targets();
        ObjectNode chat = OllamaOnBackends.chatRequest(body, generate);
        Reply reply = postJson(model, targets, ctx, "/v1/chat/completions", chat);
        Connection c = reply.connection();
        try (InputStream in = reply.response().body()) {
            if (reply.response().statusCode() != 200) {
                ctx.status(reply.response().statusCode()).json(ollamaError(reply, new String(in.readNBytes(4096), StandardCharsets.UTF_8)));
                return true;
            }
            OllamaOnBackends.answer(ctx, in, body, generate);
        } finally {
            backends.end(c);
        }
        return true;
    }

    /** Ollama's embed naming a backend's model: that backend's {@code /v1/embeddings}, answered in Ollama's shape. */
    private boolean forwardOllamaEmbed(Context ctx, boolean old) throws IOException {
        OpenAiRequest routed = openAiRequest(ctx);
        if (routed == null) {
            return false;
        }
        ObjectNode body = routed.body();
        String model = routed.model();
        List<Backends.Target> targets = routed.targets();
        long start = System.nanoTime();
        ObjectNode request = OllamaOnBackends.embedRequest(body, old);
        Reply reply = postJson(model, targets, ctx, "/v1/embeddings", request);
        try (InputStream in = reply.response().body()) {
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (reply.response().statusCode() != 200) {
                ctx.status(reply.response().statusCode()).json(ollamaError(reply, answer));
            } else {
                ctx.json(OllamaOnBackends.embedAnswer(Json.parse(answer), body, old, start));
            }
        } finally {
            backends.end(reply.connection());
        }
        return true;
    }

    /** {@code body} posted to {@code path} of the first target that answers, under each backend's own name for the model. */
    private Reply postJson(String model, List<Backends.Target> targets, Context client, String path, ObjectNode body) {
        return firstAnswer(model, targets, client, t -> HttpRequest.newBuilder(Backends.endpoint(t.connection(), path))
                .timeout(LONGEST_ANSWER).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body.deepCopy().put("model", t.upstreamModel())),
                        StandardCharsets.UTF_8)));
    }

    /** A backend's refusal in Ollama's shape ({@code {"error"}}), its answer abbreviated. */
    private static ObjectNode ollamaError(Reply reply, String answer) {
        return Json.object().put("error", reply.connection().name() + " answered " + reply.response().statusCode() + ": "
                + (answer.length() > 4096 ? answer.substring(0, 4096) : answer));
    }

    /** {@code GET /sdapi/v1/progress} while an A1111 backend runs a job of ours: that backend's progress. */
    private boolean forwardProgress(Context ctx) throws IOException {
        Connection c = backends.imageJobInFlight();
        if (c == null) {
            return false;
        }
        String query = ctx.queryString();
        HttpRequest.Builder request = HttpRequest.newBuilder(Backends.endpoint(c, A1111_PROGRESS + (query == null ? "" : "?" + query)))
                .timeout(Duration.ofSeconds(30)).GET();
        Backends.authorize(c, request);
        HttpResponse<InputStream> response;
        try {
            response = send(ctx, request);
        } catch (IOException e) {
            return false; // its progress is not to be had: the local worker's idle answer stands in
        }
        try (InputStream in = response.body()) {
            ReverseProxy.relay(ctx, response, in, e -> new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed", e.getMessage(), e));
        }
        return true;
    }

    /** The answer to the client as it comes; the backend stops counting it busy at its end. */
    private void relay(Context ctx, Reply reply) throws IOException {
        Connection c = reply.connection();
        try (InputStream in = reply.response().body()) {
            ReverseProxy.relay(ctx, reply.response(), in, e -> new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed",
                    "backend " + c.name() + " failed mid-stream: " + e.getMessage(), e));
        } finally {
            backends.end(c);
        }
    }

    /**
     * A chat request's event stream from the backend that serves its model (the studio's chats); empty when no backend
     * serves it. Our own fields (the worker's {@code min_reply_tokens}) stay here.
     */
    public Optional<SseReader> openStream(ObjectNode request) {
        String model = request.path("model").asText(null);
        List<Backends.Target> targets = targets(model, Connection.Kind.OPENAI);
        if (targets.isEmpty()) {
            return Optional.empty();
        }
        Reply reply = firstAnswer(model, targets, null, t -> {
            ObjectNode body = request.deepCopy().put("model", t.upstreamModel()).put("stream", true);
            body.remove("min_reply_tokens");
            return HttpRequest.newBuilder(Backends.endpoint(t.connection(), "/v1/chat/completions")).timeout(LONGEST_ANSWER)
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
        });
        HttpResponse<InputStream> r = reply.response();
        backends.end(reply.connection()); // the studio reads the stream itself
        if (r.statusCode() == 200 && ReverseProxy.isEventStream(r)) {
            return Optional.of(new SseReader(r.body()));
        }
        String answer;
        try (InputStream in = r.body()) {
            answer = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            answer = e.getMessage();
        }
        throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_refused",
                reply.connection().name() + " answered " + r.statusCode() + ": " + answer);
    }

    /**
     * A studio image job whose {@code checkpoint} is an A1111 backend's, run there and told as the SD worker tells one
     * ({@link A1111ImageJob}); empty when no backend has that checkpoint.
     */
    public Optional<SseReader> openImageJob(ObjectNode request, boolean edit) {
        return openImageEvents(request, edit).map(SseReader::new);
    }

    /** {@link #openImageJob}'s events as the bytes of an event stream. */
    private Optional<InputStream> openImageEvents(ObjectNode request, boolean edit) {
        String checkpoint = request.path("checkpoint").asText(null);
        if (checkpoint == null || !backends.any()) {
            return Optional.empty();
        }
        String model = checkpoint.replaceFirst("(?i)\\.(safetensors|ckpt)$", "");
        List<Backends.Target> targets = targets(model, Connection.Kind.A1111);
        if (targets.isEmpty()) {
            return Optional.empty();
        }
        JsonNode names = imageNames.get();
        try {
            return Optional.of(A1111ImageJob.run(backends, targets, t -> A1111ImageJob.body(request, t, names), edit));
        } catch (IOException e) {
            throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed", "cannot start the job: " + e.getMessage());
        }
    }

    /** A JSON request that names a model the OpenAI backends serve, with the backends to try for it. */
    private record OpenAiRequest(ObjectNode body, String model, List<Backends.Target> targets) {}

    /** The request as an {@link OpenAiRequest}, or null when its model is not the backends' (the local worker's then). */
    private OpenAiRequest openAiRequest(Context ctx) {
        ObjectNode body = jsonBody(ctx);
        String model = body == null ? null : body.path("model").asText(null);
        List<Backends.Target> targets = targets(model, Connection.Kind.OPENAI);
        return targets.isEmpty() ? null : new OpenAiRequest(body, model, targets);
    }

    /** The body when it is a JSON object, else null: a malformed body is the local worker's to answer in its words. */
    private static ObjectNode jsonBody(Context ctx) {
        try {
            return Json.MAPPER.readTree(ctx.bodyAsBytes()) instanceof ObjectNode o ? o : null;
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    /** The backends of {@code kind} for {@code model}; none when it is not theirs. All of them down is a 502 that says so. */
    private List<Backends.Target> targets(String model, Connection.Kind kind) {
        List<Backends.Target> targets = backends.route(model, kind);
        if (targets.isEmpty() && backends.serves(model, kind)) {
            throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_down", "every backend that serves '" + model
                    + "' is down; they are probed again shortly (GET /api/connections says why)");
        }
        return targets;
    }

    /**
     * Tries the targets in order until one answers with something other than a failure to pass over (no connection, a
     * 5xx, a 429; the last target's answer is kept whatever it is). {@code client}: the request whose hang-up cancels.
     * The backend that answers is counted busy (its progress is the one to show) until the caller ends it.
     */
    private Reply firstAnswer(String model, List<Backends.Target> targets, Context client,
                              Function<Backends.Target, HttpRequest.Builder> requestFor) {
        List<String> failures = new ArrayList<>();
        for (Backends.Target target : targets) {
            Connection c = target.connection();
            HttpRequest.Builder request = requestFor.apply(target);
            Backends.authorize(c, request);
            HttpResponse<InputStream> response;
            backends.begin(c);
            try {
                response = send(client, request);
            } catch (IOException e) {
                backends.end(c);
                String why = c.name() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                backends.failed(c, why);
                failures.add(why);
                continue;
            } catch (RuntimeException e) {
                backends.end(c);
                throw e;
            }
            int status = response.statusCode();
            boolean failure = status >= 500 || status == 429;
            if (failure) {
                backends.failed(c, c.name() + " answered " + status);
                if (target != targets.getLast()) {
                    backends.end(c);
                    closeQuietly(response);
                    failures.add(c.name() + " answered " + status);
                    continue;
                }
            } else {
                backends.succeeded(c);
            }
            return new Reply(c, response);
        }
        throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed",
                "every backend for '" + model + "' failed before answering: " + String.join("; ", failures));
    }

    private HttpResponse<InputStream> send(Context client, HttpRequest.Builder request) throws IOException {
        CompletableFuture<HttpResponse<InputStream>> pending =
                backends.http().sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (client != null) {
            ClientDisconnect.whenGone(client, () -> pending.cancel(true));
        }
        try {
            return pending.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (CancellationException e) {
            throw new Problem(Problem.Kind.CANCELLED, "cancelled", "the client went away before the backend answered");
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw Problem.unavailable("shutting_down", "the orchestrator is shutting down");
        }
    }

    private static void closeQuietly(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // a failed answer we pass over
        }
    }
}
