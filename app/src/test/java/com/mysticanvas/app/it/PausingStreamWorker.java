package com.mysticanvas.app.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerServer;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in LLM worker for proxy tests, on the test class path only: it streams numbered events
 * with pauses, can crash mid-stream, counts streams cancelled by a gone client, and echoes plain requests.
 * Request body: {@code {"stream":true,"events":N,"pause_ms":M,"crash_after":K}}.
 */
public final class PausingStreamWorker {
    private static final AtomicInteger CANCELLED = new AtomicInteger();
    private static final AtomicInteger COMPLETED = new AtomicInteger();

    public static void main(String[] args) {
        WorkerConfig config = WorkerCommandLine.parse(args).orElseThrow();
        System.out.println("pausing stream worker starting");
        WorkerServer.start(WorkerKind.LLM, config, routes -> {
            routes.get("/health", ctx -> ctx.json(Json.object().put("status", "ok").putNull("model")));
            routes.get("/v1/llm/stats", ctx -> ctx.json(Map.of("cancelled", CANCELLED.get(), "completed", COMPLETED.get())));
            routes.get("/v1/llm/models", ctx -> ctx.json(Map.of("object", "list",
                    "data", new Object[] {Map.of("id", "pausing.gguf", "size", 1234)})));
            routes.post("/v1/llm/echo", ctx -> {
                ctx.status(Integer.parseInt(ctx.queryParamAsClass("status", String.class).getOrDefault("200")));
                ctx.header("X-Echo", "yes");
                ctx.json(Map.of("body", ctx.body(), "query", String.valueOf(ctx.queryString()),
                        "headers", ctx.headerMap()));
            });
            routes.post("/v1/chat/completions", ctx -> {
                JsonNode req = Json.parseObject(ctx.body());
                int events = req.path("events").asInt(5);
                long pause = req.path("pause_ms").asLong(200);
                int crashAfter = req.path("crash_after").asInt(-1);
                ctx.res().setContentType("text/event-stream");
                ctx.res().setStatus(200);
                ctx.res().flushBuffer();
                SseWriter sse = new SseWriter(ctx.res().getOutputStream());
                try {
                    for (int i = 0; i < events; i++) {
                        if (i == crashAfter) {
                            Runtime.getRuntime().halt(3);
                        }
                        sse.data(Json.write(Map.of("i", i, "sent_ms", System.currentTimeMillis())));
                        Thread.sleep(pause);
                    }
                    sse.data("[DONE]");
                    COMPLETED.incrementAndGet();
                } catch (IOException e) {
                    CANCELLED.incrementAndGet();
                }
            });
        });
    }
}
