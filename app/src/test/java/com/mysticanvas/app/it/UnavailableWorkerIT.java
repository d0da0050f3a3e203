package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerKind;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker that cannot start: requests for it get a 503 at once that says which worker and why. */
class UnavailableWorkerIT {
    @TempDir
    Path dir;

    @Test
    void requestsToADownWorkerGet503AtOnce() throws Exception {
        try (TestOrchestrator o = TestOrchestrator.builder(dir)
                .workerMainClass(WorkerKind.LLM, "com.mysticanvas.NoSuchWorker").start()) {
            o.awaitWorker(WorkerKind.LLM, w -> w.path("restarts").asInt() >= 1, Duration.ofSeconds(30));
            long start = System.nanoTime();
            HttpResponse<String> r = o.post("/v1/chat/completions", "{\"stream\":true,\"messages\":[]}");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_000);
            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode error = Json.parse(r.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("worker_unavailable");
            assertThat(error.path("message").asText()).contains("llm-worker").contains("exited with code 1");
            // The other worker is untouched.
            assertThat(o.awaitReady(WorkerKind.SD).path("restarts").asInt()).isZero();
        }
    }
}
