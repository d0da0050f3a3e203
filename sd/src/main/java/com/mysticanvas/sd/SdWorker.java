package com.mysticanvas.sd;

import com.mysticanvas.core.ApiException;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerConfig;
import com.mysticanvas.core.WorkerKind;
import com.mysticanvas.core.WorkerServer;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/** Entry point of {@code --mode sd-worker}. Until the diffusion engine lands it serves health only. */
public final class SdWorker {
    private SdWorker() {}

    public static void run(WorkerConfig config) {
        WorkerServer.start(WorkerKind.SD, config, routes -> {
            routes.get("/health", ctx -> ctx.json(Json.object().put("status", "ok").putNull("model")));
            Handler noModel = ctx -> {
                throw ApiException.noModelLoaded("the Stable Diffusion engine is not available yet");
            };
            for (String path : new String[] {"/v1/models/*", "/v1/images/*", "/sdapi/v1/*"}) {
                for (HandlerType method : new HandlerType[] {HandlerType.GET, HandlerType.POST}) {
                    routes.addHttpHandler(method, path, noModel);
                }
            }
        });
    }
}
