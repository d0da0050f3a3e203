package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory arbitration with real workers: work that cannot fit is refused before it starts, with a clear message. */
class MemoryPolicyIT {
    @TempDir
    Path dir;

    @Test
    void withKeepBothAndASmallBudgetImageWorkIsRefusedUpFront() throws Exception {
        SdSynthModels.write("tiny", dir.resolve("models"));
        // Two idle worker JVMs alone use more than 150 MB: nothing more fits.
        try (TestOrchestrator o = TestOrchestrator.builder(dir).memory(MemoryPolicy.KEEP_BOTH, 150L << 20).start()) {
            o.awaitReady(WorkerKind.LLM);
            o.awaitWorker(WorkerKind.SD, w -> w.path("state").asText().equals("ready") && w.path("rssBytes").asLong() > 0,
                    java.time.Duration.ofSeconds(30));

            JsonNode memory = Json.parse(o.get("/api/memory").body());
            assertThat(memory.path("policy").asText()).isEqualTo("keep-both");
            assertThat(memory.path("budgetBytes").asLong()).isEqualTo(150L << 20);
            assertThat(memory.path("ramTotal").asLong()).isPositive();
            assertThat(memory.path("workerRss").path("sd").asLong()).isPositive();

            for (HttpResponse<String> r : new HttpResponse[] {
                    o.post("/v1/models/load", "{\"checkpoint\":\"tiny-sd.safetensors\"}"),
                    o.post("/api/images", "{\"prompt\":\"x\",\"width\":64,\"height\":64}"),
                    o.post("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"512x512\"}"),
                    o.post("/sdapi/v1/txt2img", "{\"prompt\":\"x\"}")}) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(507);
                JsonNode error = Json.parse(r.body()).path("error");
                assertThat(error.path("code").asText()).isEqualTo("insufficient_memory");
                assertThat(error.path("message").asText()).contains("not enough memory").contains("keep-both");
            }
            // Nothing was started: the SD worker still has no model.
            assertThat(o.worker(WorkerKind.SD).path("model").isNull()).isTrue();
        }
    }

    @Test
    void withRoomToSpareTheSameWorkRuns() throws Exception {
        SdSynthModels.write("tiny", dir.resolve("models"));
        try (TestOrchestrator o = TestOrchestrator.builder(dir).memory(MemoryPolicy.KEEP_BOTH, 0).start()) {
            o.awaitReady(WorkerKind.SD);
            HttpResponse<String> r = o.post("/v1/models/load", "{\"checkpoint\":\"tiny-sd.safetensors\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(o.post("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":1}").statusCode()).isEqualTo(200);
        }
    }
}
