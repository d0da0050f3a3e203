package com.mysticanvas.orchestrator.workers;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.ClientDisconnect;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.worker.WorkerKind;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Forwards a request to a worker and pipes the answer back as it arrives: status, headers and body
 * unchanged, Server-Sent Events flushed event by event. A client that goes away closes the upstream
 * connection, which the worker sees as a cancel; a worker that dies mid-stream ends the stream with
 * the error frame; a worker that is not ready gets a 503 at once.
 */
public final class ReverseProxy {
    /** Which worker serves which paths (docs/architecture.md, "Routes"). Exact {@code GET /v1/models} is the orchestrator's. */
    static final Map<WorkerKind, List<String>> ROUTES = Map.of(
            WorkerKind.LLM, List.of("/v1/chat/*", "/v1/completions", "/v1/embeddings", "/v1/rerank",
                    "/v1/reranking", "/v1/llm/*",
                    // Ollama's API, which the LLM worker speaks too
                    "/api/chat", "/api/generate", "/api/tags", "/api/show", "/api/ps", "/api/embed", "/api/embeddings",
                    "/api/version"),
            WorkerKind.SD, List.of("/v1/models/*", "/v1/images/*", "/sdapi/v1/*"));
    private static final List<HandlerType> PROXIED_METHODS =
            List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE, HandlerType.PATCH);
    /** Hop-by-hop headers (RFC 9110 7.6.1) and ones the HTTP client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "expect",
            "authorization", "http2-settings", Handshake.SECRET_HEADER.toLowerCase());

    /** A request attribute: the body to forward instead of the client's (the memory gate names a file for a source). */
    public static final String FORWARDED_BODY = "mysticanvas.forwardedBody";

    /**
     * Sends a request elsewhere (an external backend) when its model is served there: chats, completions and
     * embeddings to OpenAI backends, A1111 jobs naming a backend's checkpoint (and their progress) to A1111 ones.
     */
    @FunctionalInterface
    public interface ExternalRoute {
        /** True when it answered the request; false leaves it to the local worker. */
        boolean forward(Context ctx) throws IOException;
    }

    private final ProcessManager workers;
    private final ExternalRoute external;

    public ReverseProxy(ProcessManager workers, ExternalRoute external) {
        this.workers = workers;
        this.external = external;
    }

    /** Every proxied path and method; register routes that must come first (the memory gate) before these. */
    public void routes(RoutesConfig r) {
        ROUTES.forEach((kind, paths) -> {
            for (String path : paths) {
                for (HandlerType method : PROXIED_METHODS) {
                    r.addHttpHandler(method, path, ctx -> forward(ctx, kind));
                }
            }
        });
    }

    /** A request attribute: the external route was asked already (and declined), so it is not asked again. */
    private static final String EXTERNAL_ASKED = "mysticanvas.externalAsked";

    /**
     * True when an external backend took the request ({@link ExternalRoute}): nothing local is to be done for it.
     * Asked once per request (the memory gate asks first; the proxy's own forward then does not again).
     */
    public boolean forwardedElsewhere(Context ctx) throws IOException {
        if (ctx.attribute(EXTERNAL_ASKED) != null) {
            return false;
        }
        ctx.attribute(EXTERNAL_ASKED, true);
        return external.forward(ctx);
    }

    public void forward(Context ctx, WorkerKind kind) throws IOException {
        if (forwardedElsewhere(ctx)) {
            return;
        }
        WorkerEndpoint worker = workers.endpoint(kind);
        // a client that hangs up on a generation it waits for whole stops it on the worker too (streams: by the write)
        HttpResponse<InputStream> upstream = kind == WorkerKind.LLM && ctx.method() == HandlerType.POST
                ? worker.send(request(ctx, worker), HttpResponse.BodyHandlers.ofInputStream(),
                        cancel -> ClientDisconnect.whenGone(ctx, cancel))
                : worker.send(request(ctx, worker), HttpResponse.BodyHandlers.ofInputStream());
        boolean eventStream = isEventStream(upstream);
        try (InputStream body = worker.track(upstream, eventStream)) {
            relay(ctx, upstream, body, worker::failedMidStream);
        }
    }

    public static boolean isEventStream(HttpResponse<?> upstream) {
        return upstream.headers().firstValue("content-type").map(t -> t.startsWith("text/event-stream")).orElse(false);
    }

    /**
     * An upstream answer to the client as it arrives: its status and headers, then its body piped (an event stream's
     * headers leave at once and each event as it comes); {@code midStream} words a read that fails part-way.
     */
    public static void relay(Context ctx, HttpResponse<?> upstream, InputStream body,
                             java.util.function.Function<IOException, Problem> midStream) throws IOException {
        boolean eventStream = isEventStream(upstream);
        HttpServletResponse res = ctx.res();
        res.setStatus(upstream.statusCode());
        copyHeaders(upstream, res, eventStream);
        OutputStream out = res.getOutputStream();
        if (eventStream) {
            SseWriter.streamHeaders(res);
            out.flush(); // headers leave now, before the first event
        }
        pipe(body, out, eventStream, midStream);
    }

    private static HttpRequest.Builder request(Context ctx, WorkerEndpoint worker) {
        String query = ctx.queryString();
        byte[] body = ctx.attribute(FORWARDED_BODY) instanceof byte[] replaced ? replaced : ctx.bodyAsBytes();
        HttpRequest.Builder request = worker.request(ctx.path() + (query == null ? "" : "?" + query))
                .method(ctx.method().name(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        forwardHeaders(ctx, request);
        return request;
    }

    /** The client's headers onto an upstream request, but hop-by-hop ones and its credentials. */
    public static void forwardHeaders(Context ctx, HttpRequest.Builder request) {
        for (Map.Entry<String, String> h : ctx.headerMap().entrySet()) {
            if (!NOT_FORWARDED.contains(h.getKey().toLowerCase())) {
                request.header(h.getKey(), h.getValue());
            }
        }
    }

    /**
     * An upstream answer's headers onto the client's, but hop-by-hop ones; an event stream's length is left out (a
     * stream cut short ends with our error frame, which no upstream length counts).
     */
    private static void copyHeaders(HttpResponse<?> upstream, HttpServletResponse res, boolean eventStream) {
        upstream.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase();
            if (!NOT_FORWARDED.contains(lower) || lower.equals("content-length") && !eventStream) {
                // set, not add: the server has defaults (Content-Type) that the worker's value replaces
                res.setHeader(name, values.getFirst());
                values.stream().skip(1).forEach(v -> res.addHeader(name, v));
            }
        });
    }

    /**
     * Copies until the upstream ends its answer. A failed read is the upstream's fault (reported in-band on
     * event streams as {@code midStream} words it); a failed write is the client's disconnect, and closing
     * {@code body} cancels upstream.
     */
    private static void pipe(InputStream body, OutputStream out, boolean eventStream,
                            java.util.function.Function<IOException, Problem> midStream) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (true) {
            int n;
            try {
                n = body.read(buffer);
            } catch (IOException e) {
                if (eventStream) {
                    Problem failed = midStream.apply(e);
                    new SseWriter(out).error(failed);
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
}
