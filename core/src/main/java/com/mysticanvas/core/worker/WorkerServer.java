package com.mysticanvas.core.worker;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpServers;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * The HTTP side of a worker process: binds 127.0.0.1 (or, for a remote worker, its {@code --listen} address), rejects
 * requests without the per-run secret (a remote worker's token), prints the handshake line once listening, and exits
 * when the orchestrator that started it is gone.
 */
public final class WorkerServer {
    private WorkerServer() {}

    public static Javalin start(WorkerKind kind, WorkerConfig config, Consumer<RoutesConfig> routes) {
        byte[] secret = config.secret() == null ? null : config.secret().getBytes(StandardCharsets.UTF_8);
        Javalin app = HttpServers.create(config.host(), config.port(), HttpServers.DEFAULT_MAX_BODY_BYTES, c -> {
            c.routes.before(ctx -> {
                if (secret != null && !matches(secret, ctx.header(Handshake.SECRET_HEADER))) {
                    throw Problem.unauthorized("unauthorized", kind.mode() + " accepts requests only from its orchestrator");
                }
            });
            routes.accept(c.routes);
        });
        app.start();
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "http-stop"));
        ParentWatchdog.start(config.parentPid(), () -> {
            System.err.println(kind.mode() + ": orchestrator gone, exiting");
            // Shutdown hooks wait for a running step; nobody is left to wait for, so they get 3 s at most.
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException ignored) {
                    // halting anyway
                }
                Runtime.getRuntime().halt(0);
            });
            System.exit(0);
        });
        System.err.println(kind.mode() + " listening on " + config.host() + ":" + app.port() + " (pid " + ProcessHandle.current().pid() + ")");
        // The handshake goes out only when the port really accepts connections.
        System.out.println(Handshake.readyLine(app.port()));
        System.out.flush();
        return app;
    }

    /** Constant-time comparison, so the secret cannot be guessed byte by byte from response times. */
    public static boolean matches(byte[] expected, String given) {
        return given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
    }
}
