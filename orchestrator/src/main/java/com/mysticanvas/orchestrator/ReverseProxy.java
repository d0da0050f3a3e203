package com.mysticanvas.orchestrator;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.worker.LoopbackHttp;
import com.mysticanvas.core.worker.WorkerKind;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Forwards a request to a worker and pipes the answer back as it arrives: status, headers and body
 * unchanged, Server-Sent Events flushed event by event. A client that goes away closes the upstream
 * connection, which the worker sees as a cancel; a worker that dies mid-stream ends the stream with
 * an SSE error event; a worker that is not ready gets a 503 at once.
 */
final class ReverseProxy {
    /** Hop-by-hop headers (RFC 9110 7.6.1) and ones the HTTP client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "expect",
            "authorization", "http2-settings", Handshake.SECRET_HEADER.toLowerCase());

    private final ProcessManager processes;
    private final InFlight inFlight;
    private final HttpClient http = LoopbackHttp.client();

    ReverseProxy(ProcessManager processes, InFlight inFlight) {
        this.processes = processes;
        this.inFlight = inFlight;
    }

    void forward(Context ctx, WorkerKind kind) throws IOException {
        WorkerSupervisor worker = processes.supervisor(kind);
        int port = worker.readyPort();
        if (port == 0) {
            throw notReady(worker);
        }
        HttpResponse<InputStream> upstream = send(ctx, kind, port);
        boolean eventStream = upstream.headers().firstValue("content-type")
                .map(t -> t.startsWith("text/event-stream")).orElse(false);
        try (InputStream body = inFlight.track(upstream.body());
             InFlight.StreamSlot slot = eventStream ? inFlight.streamSlot() : null) {
            HttpServletResponse res = ctx.res();
            res.setStatus(upstream.statusCode());
            copyHeaders(upstream, res);
            OutputStream out = res.getOutputStream();
            if (eventStream) {
                res.setHeader("Cache-Control", "no-cache");
                res.setHeader("X-Accel-Buffering", "no");
                out.flush(); // headers leave now, before the first event
            }
            pipe(body, out, eventStream, kind);
        }
    }

    private HttpResponse<InputStream> send(Context ctx, WorkerKind kind, int port) {
        String query = ctx.queryString();
        URI uri = URI.create("http://127.0.0.1:" + port + ctx.path() + (query == null ? "" : "?" + query));
        byte[] body = ctx.bodyAsBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(ctx.method().name(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header(Handshake.SECRET_HEADER, processes.secret());
        for (Map.Entry<String, String> h : ctx.headerMap().entrySet()) {
            if (!NOT_FORWARDED.contains(h.getKey().toLowerCase())) {
                request.header(h.getKey(), h.getValue());
            }
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed",
                    kind.mode() + " failed before answering: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("shutting_down", "the orchestrator is shutting down");
        }
    }

    private static void copyHeaders(HttpResponse<?> upstream, HttpServletResponse res) {
        upstream.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase();
            if (!NOT_FORWARDED.contains(lower) || lower.equals("content-length")) {
                // set, not add: the server has defaults (Content-Type) that the worker's value replaces
                res.setHeader(name, values.getFirst());
                values.stream().skip(1).forEach(v -> res.addHeader(name, v));
            }
        });
    }

    /**
     * Copies until the worker ends its answer. A failed read is the worker's fault (reported in-band on
     * event streams); a failed write is the client's disconnect, and closing {@code body} cancels upstream.
     */
    private static void pipe(InputStream body, OutputStream out, boolean eventStream, WorkerKind kind)
            throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (true) {
            int n;
            try {
                n = body.read(buffer);
            } catch (IOException e) {
                if (eventStream) {
                    String event = "data: " + Json.write(HttpProblems.body(
                            kind.mode() + " failed mid-stream: " + describe(e), "server_error", "worker_failed"))
                            + "\n\n";
                    out.write(event.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return;
                }
                throw e; // a plain body cannot report it; the client sees a cut connection
            }
            if (n < 0) {
                out.flush();
                return;
            }
            out.write(buffer, 0, n);
            // Flush when the worker has nothing more ready: each event leaves at once, and a burst
            // that is already here goes out in one write instead of one per event.
            if (eventStream && body.available() == 0) {
                out.flush();
            }
        }
    }

    static Problem notReady(WorkerSupervisor worker) {
        String why = worker.lastError() == null ? "" : " (last error: " + worker.lastError() + ")";
        return Problem.unavailable("worker_unavailable",
                "the " + worker.kind().mode() + " is " + worker.state().name().toLowerCase() + why
                        + "; try again in a moment");
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
