package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.ClientDisconnect;
import com.mysticanvas.orchestrator.workers.ReverseProxy;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Sends a generation request whose model a backend serves to that backend, as the proxy sends local ones to the
 * workers: the model renamed to the backend's own name, its key instead of the client's, the answer streamed back
 * as it comes. A backend that fails before its first byte (no connection, a 5xx, a 429) is marked and the next one
 * is tried; once bytes have reached the client nothing is retried (a failure then ends the stream with the error
 * frame). A client that hangs up closes the backend's connection, which is how OpenAI-compatible servers see a cancel.
 */
public final class BackendProxy implements ReverseProxy.ExternalRoute {
    private final Backends backends;

    public BackendProxy(Backends backends) {
        this.backends = backends;
    }

    /** The OpenAI routes a backend is sent (Ollama's and the worker's own stay local). */
    static final java.util.Set<String> ROUTED = java.util.Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");

    @Override
    public boolean forward(Context ctx) throws IOException {
        if (!backends.any() || !ROUTED.contains(ctx.path())) {
            return false;
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ctx.bodyAsBytes());
        } catch (IOException | RuntimeException notJson) {
            return false; // the worker answers a malformed body in its own words
        }
        String model = body == null ? null : body.path("model").asText(null);
        List<Backends.Target> targets = backends.route(model);
        if (targets.isEmpty()) {
            if (backends.serves(model)) {
                throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_down", "every backend that serves '" + model
                        + "' is down; they are probed again shortly (GET /api/connections says why)");
            }
            return false;
        }
        List<String> failures = new ArrayList<>();
        for (Backends.Target target : targets) {
            Connection c = target.connection();
            // the client's bytes as they are, unless the backend knows the model by another name (a prefix)
            byte[] forwarded = target.upstreamModel().equals(model) ? ctx.bodyAsBytes()
                    : Json.write(((ObjectNode) body).deepCopy().put("model", target.upstreamModel())).getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(Backends.endpoint(c, ctx.path()))
                    .timeout(Duration.ofMinutes(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(forwarded));
            ReverseProxy.forwardHeaders(ctx, request);
            Backends.authorize(c, request);
            backends.begin(c);
            try {
                HttpResponse<InputStream> upstream;
                try {
                    upstream = send(ctx, request);
                } catch (IOException e) {
                    String why = c.name() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                    backends.failed(c, why);
                    failures.add(why);
                    continue;
                }
                int status = upstream.statusCode();
                if ((status >= 500 || status == 429) && target != targets.getLast()) {
                    upstream.body().close();
                    String why = c.name() + " answered " + status;
                    backends.failed(c, why);
                    failures.add(why);
                    continue;
                }
                if (status < 500) {
                    backends.succeeded(c);
                } else {
                    backends.failed(c, c.name() + " answered " + status);
                }
                try (InputStream in = upstream.body()) {
                    ReverseProxy.relay(ctx, upstream, in, e -> new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed",
                            "backend " + c.name() + " failed mid-stream: " + e.getMessage(), e));
                }
                return true;
            } finally {
                backends.end(c);
            }
        }
        throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed",
                "every backend for '" + model + "' failed before answering: " + String.join("; ", failures));
    }

    /**
     * A chat request's event stream from the backend that serves its model (the studio's chats), tried in order as
     * {@link #forward} does; empty when no backend serves it. Our own fields (the worker's {@code min_reply_tokens})
     * stay here.
     */
    public java.util.Optional<com.mysticanvas.core.http.SseReader> openStream(ObjectNode request) {
        String model = request.path("model").asText(null);
        List<Backends.Target> targets = backends.route(model);
        if (targets.isEmpty()) {
            if (backends.serves(model)) {
                throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_down", "every backend that serves '" + model + "' is down");
            }
            return java.util.Optional.empty();
        }
        List<String> failures = new ArrayList<>();
        for (Backends.Target target : targets) {
            Connection c = target.connection();
            ObjectNode body = request.deepCopy().put("model", target.upstreamModel()).put("stream", true);
            body.remove("min_reply_tokens");
            HttpRequest.Builder r = HttpRequest.newBuilder(Backends.endpoint(c, "/v1/chat/completions")).timeout(Duration.ofMinutes(30))
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
            Backends.authorize(c, r);
            try {
                HttpResponse<InputStream> upstream = backends.http().send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
                if (upstream.statusCode() == 200 && ReverseProxy.isEventStream(upstream)) {
                    backends.succeeded(c);
                    return java.util.Optional.of(new com.mysticanvas.core.http.SseReader(upstream.body()));
                }
                String answer = new String(upstream.body().readNBytes(4096), StandardCharsets.UTF_8);
                String why = c.name() + " answered " + upstream.statusCode() + ": " + answer;
                if (upstream.statusCode() < 500 && upstream.statusCode() != 429) {
                    throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_refused", why); // the request's fault: not retried
                }
                backends.failed(c, why);
                failures.add(why);
            } catch (IOException e) {
                String why = c.name() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                backends.failed(c, why);
                failures.add(why);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Problem.unavailable("shutting_down", "the orchestrator is shutting down");
            }
        }
        throw new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed",
                "every backend for '" + model + "' failed before answering: " + String.join("; ", failures));
    }

    /** The request sent; a client that hangs up before the answer's head cancels it. */
    private HttpResponse<InputStream> send(Context ctx, HttpRequest.Builder request) throws IOException {
        CompletableFuture<HttpResponse<InputStream>> pending =
                backends.http().sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        ClientDisconnect.whenGone(ctx, () -> pending.cancel(true));
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
}
