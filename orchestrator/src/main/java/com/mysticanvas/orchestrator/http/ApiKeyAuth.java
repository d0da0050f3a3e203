package com.mysticanvas.orchestrator.http;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.worker.WorkerServer;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;

/** With an API key set, every API path ({@code /v1}, {@code /sdapi}, {@code /api}) needs {@code Authorization: Bearer KEY}; the UI's files do not. */
public final class ApiKeyAuth {
    private final byte[] key;

    /** @param key the key, or null/blank for none (loopback only) */
    public ApiKeyAuth(String key) {
        this.key = key == null || key.isBlank() ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    /** A before-handler: refuses an API request without the key. */
    public void check(Context ctx) {
        if (key == null || !isApiPath(ctx.path())) {
            return;
        }
        String header = ctx.header("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (!WorkerServer.matches(key, given)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw Problem.unauthorized("invalid_api_key", "missing or wrong API key: send Authorization: Bearer KEY");
        }
    }

    static boolean isApiPath(String path) {
        return path.startsWith("/v1/") || path.equals("/v1") || path.startsWith("/sdapi/") || path.startsWith("/api/");
    }
}
