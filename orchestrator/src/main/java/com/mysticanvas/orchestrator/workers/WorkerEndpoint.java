package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.http.InFlight;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The one pipe from the orchestrator to a worker: the HTTP client, requests built with the worker's address and
 * credentials, its answers and failures mapped to {@link Problem}s, and the {@code --max-streams} slots its event
 * streams hold. The reverse proxy sends through it as it is; everything else talks to a worker through the typed
 * {@link LlmWorkerApi} and {@link SdWorkerApi} on top of it.
 */
public final class WorkerEndpoint {
    private final WorkerKind kind;
    private final WorkerAddress address;
    private final HttpClient http;
    private final InFlight inFlight;

    public WorkerEndpoint(WorkerKind kind, WorkerAddress address, HttpClient http, InFlight inFlight) {
        this.kind = kind;
        this.address = address;
        this.http = http;
        this.inFlight = inFlight;
    }

    public WorkerKind kind() {
        return kind;
    }

    /** A request for {@code pathAndQuery} on the worker, with its credentials; a Problem while it is not ready. */
    public HttpRequest.Builder request(String pathAndQuery) {
        WorkerAddress.Route route = address.route();
        HttpRequest.Builder request = HttpRequest.newBuilder(route.base().resolve(pathAndQuery));
        route.credentials().forEach(request::header);
        return request;
    }

    /** Sends {@code request}; the answer, whatever its status. No answer at all is the worker's failure. */
    public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        return send(request, body, cancel -> { });
    }

    /**
     * As {@link #send}, cancelled (the worker sees its connection close) when {@code cancelWhen} runs the
     * runnable it is given: a proxied client that hangs up stops the worker's work too. A worker that fails before
     * answering has the request sent on to the one its address fails over to (a pool's next), if any.
     */
    public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body,
                                    java.util.function.Consumer<Runnable> cancelWhen) {
        HttpRequest sent = request.build();
        while (true) {
            java.util.concurrent.CompletableFuture<HttpResponse<T>> pending = http.sendAsync(sent, body);
            cancelWhen.accept(() -> pending.cancel(true));
            try {
                return pending.get();
            } catch (java.util.concurrent.ExecutionException e) {
                IOException io = e.getCause() instanceof IOException x ? x : new IOException(e.getCause());
                java.util.Optional<WorkerAddress.Route> next = address.failedOver(sent.uri(), describe(io));
                if (next.isEmpty()) {
                    throw failed("failed before answering", io);
                }
                sent = resent(sent, next.get());
            } catch (java.util.concurrent.CancellationException e) {
                throw new Problem(Problem.Kind.CANCELLED, "cancelled", "the client went away before the worker answered");
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                throw Problem.unavailable("shutting_down", "the orchestrator is shutting down");
            }
        }
    }

    /** {@code sent} again, to another worker: its path and body, that worker's credentials instead of the first's. */
    private HttpRequest resent(HttpRequest sent, WorkerAddress.Route to) {
        java.util.Set<String> credentials = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        credentials.add(Handshake.SECRET_HEADER); // what every worker's credentials are sent in
        credentials.addAll(to.credentials().keySet());
        String path = sent.uri().getRawPath() + (sent.uri().getRawQuery() == null ? "" : "?" + sent.uri().getRawQuery());
        HttpRequest.Builder again = HttpRequest.newBuilder(sent, (name, value) -> !credentials.contains(name))
                .uri(to.base().resolve(path));
        to.credentials().forEach(again::header);
        return again.build();
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** GET answered with JSON; any other answer is the worker's own Problem. */
    public JsonNode get(String path, Duration timeout) {
        HttpResponse<String> r = send(request(path).timeout(timeout).GET(), HttpResponse.BodyHandlers.ofString());
        return json(r.statusCode(), r.body());
    }

    /** GET at {@code base} whatever the address says of its readiness: a down remote worker's health check. */
    JsonNode getAt(java.net.URI base, String path, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET();
        address.credentials().forEach(request::header);
        HttpResponse<String> r = send(request, HttpResponse.BodyHandlers.ofString());
        return json(r.statusCode(), r.body());
    }

    /** POST of a JSON body answered with JSON; any other answer is the worker's own Problem. */
    public JsonNode post(String path, JsonNode body) {
        HttpResponse<String> r = send(jsonPost(path, body), HttpResponse.BodyHandlers.ofString());
        return json(r.statusCode(), r.body());
    }

    /**
     * POST whose 200 answer is an event stream, read as it arrives. It holds one of the {@code --max-streams}
     * slots until closed, and shutdown closes it. Any other answer is the worker's Problem, before anything streams.
     */
    public SseReader openStream(String path, JsonNode body) {
        InFlight.StreamSlot slot = inFlight.streamSlot();
        try {
            return new SseReader(inFlight.track(streamBody(send(jsonPost(path, body), HttpResponse.BodyHandlers.ofInputStream())), slot));
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
    }

    /** GET of a worker's long-lived event stream. Not work in flight: it never ends on its own, and shutdown may cut it. */
    public SseReader openEvents(String path) {
        return new SseReader(streamBody(send(request(path).GET(), HttpResponse.BodyHandlers.ofInputStream())));
    }

    /** A proxied answer's body, closed at shutdown, holding a stream slot while it is an event stream. */
    public InputStream track(HttpResponse<InputStream> answer, boolean eventStream) {
        if (!eventStream) {
            return inFlight.track(answer.body(), () -> { });
        }
        InFlight.StreamSlot slot;
        try {
            slot = inFlight.streamSlot();
        } catch (Problem e) {
            closeQuietly(answer.body()); // closing it cancels the worker's side
            throw e;
        }
        return inFlight.track(answer.body(), slot);
    }

    /** What a stream reports when reading the worker broke off in the middle. */
    public Problem failedMidStream(IOException e) {
        return failed("failed mid-stream", e);
    }

    private Problem failed(String what, IOException e) {
        return new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed", kind.mode() + " " + what + ": " + describe(e), e);
    }

    private HttpRequest.Builder jsonPost(String path, JsonNode body) {
        return request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
    }

    /** A 200 answer's body; any other is read whole and thrown as the worker's Problem. */
    private InputStream streamBody(HttpResponse<InputStream> r) {
        if (r.statusCode() == 200) {
            return r.body();
        }
        try (InputStream in = r.body()) {
            throw HttpProblems.fromAnswer(kind.mode(), r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw failed("failed before answering", e);
        }
    }

    private JsonNode json(int status, String body) {
        return answer(kind.mode(), status, body);
    }

    /** A worker's JSON answer: the JSON of a 2xx, else the Problem its error body describes. */
    static JsonNode answer(String who, int status, String body) {
        if (status / 100 != 2) {
            throw HttpProblems.fromAnswer(who, status, body);
        }
        try {
            return Json.parse(body);
        } catch (Problem e) {
            throw new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed", who + " answered HTTP " + status + " without JSON");
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing on the way out
        }
    }
}
