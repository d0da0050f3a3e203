package com.mysticanvas.llm;

import com.mysticanvas.core.ApiException;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerConfig;
import com.mysticanvas.core.WorkerKind;
import com.mysticanvas.core.WorkerServer;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/** Entry point of {@code --mode llm-worker}. Until the llama.cpp engine lands it serves health only. */
public final class LlmWorker {
    private LlmWorker() {}

    public static void run(WorkerConfig config) {
        WorkerServer.start(WorkerKind.LLM, config, routes -> {
            routes.get("/health", ctx -> ctx.json(Json.object().put("status", "ok").putNull("model")));
            Handler noModel = ctx -> {
                throw ApiException.noModelLoaded("the llama.cpp engine is not available yet");
            };
            for (String path : new String[] {"/v1/chat/*", "/v1/completions", "/v1/embeddings", "/v1/llm/*"}) {
                for (HandlerType method : new HandlerType[] {HandlerType.GET, HandlerType.POST}) {
                    routes.addHttpHandler(method, path, noModel);
                }
            }
        });
    }
}
