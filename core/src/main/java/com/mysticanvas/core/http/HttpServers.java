package com.mysticanvas.core.http;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.validation.ValidationException;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Javalin set up the way every MystiCanvas process wants it: virtual threads for blocking I/O,
 * no compression (it would buffer SSE streams), and every error as JSON with a proper status.
 */
public final class HttpServers {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServers.class);

    /** Default bound on request bodies: large enough for a base64 2048x2048 PNG plus mask. */
    public static final long DEFAULT_MAX_BODY_BYTES = 64L * 1024 * 1024;

    static {
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.javalin", "warn");
    }

    private HttpServers() {}

    public static Javalin create(String host, int port, long maxBodyBytes, Consumer<JavalinConfig> setup) {
        return Javalin.create(config -> {
            config.jetty.host = host;
            config.jetty.port = port;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.http.maxRequestSize = maxBodyBytes;
            config.jsonMapper(new JavalinJackson(Json.MAPPER, true));
            config.routes.exception(Problem.class, (e, ctx) -> respond(ctx, e));
            config.routes.exception(CancellationException.class, (e, ctx) -> respond(ctx, HttpProblems.cancelled(e)));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> respond(ctx, fromJavalin(e)));
            config.routes.exception(ValidationException.class, (e, ctx) -> respond(ctx, Problem.badInput(
                    "invalid parameter: " + e.getErrors().entrySet().stream()
                            .map(v -> v.getKey() + " " + v.getValue().getFirst().getMessage())
                            .reduce((a, b) -> a + "; " + b).orElse("?"))));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
                respond(ctx, Problem.internal("internal_error",
                        "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
            });
            config.routes.error(404, ctx -> {
                if (!ctx.res().isCommitted() && isBlank(ctx.result())) {
                    respond(ctx, Problem.notFound("no route for " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, ctx -> {
                if (!ctx.res().isCommitted() && isBlank(ctx.result())) {
                    // Not a problem of the request's content, so no kind: only HTTP knows this answer.
                    respond(ctx, 405, HttpProblems.body("method " + ctx.method() + " not allowed on " + ctx.path(),
                            "invalid_request_error", "method_not_allowed"));
                }
            });
            setup.accept(config);
        });
    }

    /** Answers with the problem's status and JSON body, unless a streamed answer has started (it reports its own). */
    public static void respond(Context ctx, Problem p) {
        respond(ctx, HttpProblems.status(p.kind()), HttpProblems.body(p));
    }

    private static void respond(Context ctx, int status, Object body) {
        if (ctx.res().isCommitted()) {
            return; // a streamed response already started; the stream reports its own errors
        }
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    private static Problem fromJavalin(HttpResponseException e) {
        int status = e.getStatus();
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "HTTP " + status : e.getMessage();
        return switch (status) {
            case 413 -> Problem.tooLarge("request body too large: " + message);
            case 401 -> Problem.unauthorized("unauthorized", message);
            case 404 -> Problem.notFound(message);
            default -> new Problem(HttpProblems.kindOf(status, "", ""), "http_" + status, message);
        };
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
