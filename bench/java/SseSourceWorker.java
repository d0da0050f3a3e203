import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Benchmark stand-in for the LLM worker: streams N SSE events of a given size as fast as it can, each flushed. */
public final class SseSourceWorker {
    public static void main(String[] args) {
        WorkerConfig config = WorkerCommandLine.parse(args).orElseThrow();
        com.mysticanvas.core.worker.WorkerServer.start(WorkerKind.LLM, config, routes -> {
            routes.get("/health", ctx -> ctx.json(Json.object().put("status", "ok").putNull("model")));
            routes.post("/v1/chat/completions", ctx -> {
                JsonNode req = Json.parseObject(ctx.body());
                int events = req.path("events").asInt(1);
                long intervalNanos = req.path("interval_us").asLong(0) * 1000; // 0: as fast as possible
                byte[] event = ("data: " + "x".repeat(Math.max(1, req.path("size").asInt(100))) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8);
                ctx.res().setContentType("text/event-stream");
                ctx.res().flushBuffer();
                OutputStream out = ctx.res().getOutputStream();
                long next = System.nanoTime();
                for (int i = 0; i < events; i++) {
                    if (intervalNanos > 0) { // paced like a token stream: the next event at its time, not later
                        next += intervalNanos;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                    }
                    out.write(event);
                    out.flush();
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            });
        });
    }
}
