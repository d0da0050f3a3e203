package com.mysticanvas.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.worker.LoopbackHttp;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The orchestrator's own calls to its workers (not proxied ones): model lists, chat turns, image jobs. */
public final class WorkerClient {
    private final ProcessManager processes;
    private final InFlight inFlight;
    private final HttpClient http = LoopbackHttp.client();

    public WorkerClient(ProcessManager processes, InFlight inFlight) {
        this.processes = processes;
        this.inFlight = inFlight;
    }

    /** GET returning JSON, or an Problem with the worker's own error. */
    public JsonNode get(WorkerKind kind, String path, Duration timeout) {
        HttpResponse<String> r = send(kind, request(kind, path).timeout(timeout).GET(), HttpResponse.BodyHandlers.ofString());
        return jsonOrThrow(kind, r.statusCode(), r.body());
    }

    /** POST with a JSON body, answer as JSON, or an Problem with the worker's own error. */
    public JsonNode post(WorkerKind kind, String path, JsonNode body) {
        HttpResponse<String> r = send(kind, request(kind, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))), HttpResponse.BodyHandlers.ofString());
        return jsonOrThrow(kind, r.statusCode(), r.body());
    }

    /**
     * POST whose 200 answer body is read as it arrives (an event stream); the caller closes it. Any other
     * status becomes an Problem with the worker's own error, before anything is sent to our client.
     */
    public InputStream openStream(WorkerKind kind, String path, JsonNode body) {
        InFlight.StreamSlot slot = inFlight.streamSlot();
        HttpResponse<InputStream> r;
        try {
            r = sendStreaming(kind, path, body);
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
        return inFlight.track(r.body(), slot);
    }

    /**
     * GET of a worker's long-lived event stream (the caller closes it). Not counted as work in flight:
     * it never ends on its own, and nothing is lost when shutdown cuts it.
     */
    public InputStream openEvents(WorkerKind kind, String path) {
        return sendStreaming(kind, request(kind, path).GET()).body();
    }

    private HttpResponse<InputStream> sendStreaming(WorkerKind kind, String path, JsonNode body) {
        return sendStreaming(kind, request(kind, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    private HttpResponse<InputStream> sendStreaming(WorkerKind kind, HttpRequest.Builder request) {
        HttpResponse<InputStream> r = send(kind, request, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                jsonOrThrow(kind, r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed", kind.mode() + " failed: " + e.getMessage());
            }
        }
        return r;
    }

    /** Turns a non-2xx worker answer into the same error for our caller. */
    public static JsonNode jsonOrThrow(WorkerKind kind, int status, String body) {
        if (status / 100 != 2) {
            throw HttpProblems.fromAnswer(kind.mode(), status, body);
        }
        try {
            return Json.parse(body);
        } catch (Problem e) {
            throw new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed", kind.mode() + " answered HTTP " + status + " without JSON");
        }
    }

    private HttpRequest.Builder request(WorkerKind kind, String path) {
        WorkerSupervisor worker = processes.supervisor(kind);
        int port = worker.readyPort();
        if (port == 0) {
            throw ReverseProxy.notReady(worker);
        }
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(Handshake.SECRET_HEADER, processes.secret());
    }

    private <T> HttpResponse<T> send(WorkerKind kind, HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed", kind.mode() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("shutting_down", "the orchestrator is shutting down");
        }
    }
}
