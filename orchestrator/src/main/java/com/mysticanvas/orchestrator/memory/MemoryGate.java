package com.mysticanvas.orchestrator.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.orchestrator.workers.ReverseProxy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;

/**
 * The memory arbiter in front of the proxied routes that start an image job or load a model: each asks
 * {@link MemoryArbiter} first, then goes on to its worker. Registered before the proxy's catch-all routes.
 */
public final class MemoryGate {
    /** Requests that start an image job on the SD worker. */
    static final List<String> IMAGE_JOB_PATHS = List.of(WorkerPaths.IMAGE_GENERATIONS, WorkerPaths.IMAGE_EDITS,
            WorkerPaths.A1111_TXT2IMG, WorkerPaths.A1111_IMG2IMG);

    private final MemoryArbiter memory;
    private final ReverseProxy proxy;

    public MemoryGate(MemoryArbiter memory, ReverseProxy proxy) {
        this.memory = memory;
        this.proxy = proxy;
    }

    public void routes(RoutesConfig r) {
        for (String path : IMAGE_JOB_PATHS) {
            r.post(path, ctx -> {
                try (MemoryArbiter.Permit ignored = memory.beforeImageJob(HiresSize.largest(lenientJson(ctx)))) {
                    proxy.forward(ctx, WorkerKind.SD);
                }
            });
        }
        r.post(WorkerPaths.LLM_LOAD, ctx -> {
            memory.beforeModelLoad(WorkerKind.LLM, lenientJson(ctx).path("model").asText(null));
            proxy.forward(ctx, WorkerKind.LLM);
        });
        r.post(WorkerPaths.SD_LOAD, ctx -> {
            memory.beforeModelLoad(WorkerKind.SD, lenientJson(ctx).path("checkpoint").asText(null));
            proxy.forward(ctx, WorkerKind.SD);
        });
        r.post(WorkerPaths.A1111_OPTIONS, ctx -> {
            // A1111 names a checkpoint "file.safetensors [hash]"; the file is what takes memory.
            memory.beforeModelLoad(WorkerKind.SD, lenientJson(ctx).path("sd_model_checkpoint").asText("")
                    .replaceAll("\\s*\\[[0-9a-fA-F]+]$", ""));
            proxy.forward(ctx, WorkerKind.SD);
        });
    }

    /** The body as JSON when it is JSON (the worker answers malformed bodies itself), else an empty object. */
    private static JsonNode lenientJson(Context ctx) {
        try {
            return Json.MAPPER.readTree(ctx.bodyAsBytes());
        } catch (IOException | RuntimeException e) {
            return Json.object();
        }
    }
}
