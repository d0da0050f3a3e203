package com.mysticanvas.orchestrator.backends;

import com.mysticanvas.core.Json;
import io.javalin.config.RoutesConfig;
import java.util.Map;

/**
 * {@code /api/connections}: the external backends, added, changed and removed by the user (the Settings page or the
 * API). Their keys go in and never come out: a connection is shown with {@code has_key} only.
 */
public final class ConnectionsApi {
    private final Backends backends;

    public ConnectionsApi(Backends backends) {
        this.backends = backends;
    }

    public void routes(RoutesConfig r) {
        r.get("/api/connections", ctx -> ctx.json(Map.of("connections", backends.describe())));
        r.post("/api/connections", ctx -> ctx.status(201).json(backends.add(Json.parseObject(ctx.body()))));
        r.put("/api/connections/{id}", ctx -> ctx.json(backends.update(ctx.pathParam("id"), Json.parseObject(ctx.body()))));
        r.delete("/api/connections/{id}", ctx -> {
            backends.delete(ctx.pathParam("id"));
            ctx.status(204);
        });
    }
}
