package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.storage.Database;
import com.mysticanvas.orchestrator.storage.SettingsStore;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker that cannot start or is still loading: what the UI and clients see. */
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
            // At once: not after the 60 s handshake wait (5 s leaves room for a loaded CI machine).
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode error = Json.parse(r.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("worker_unavailable");
            assertThat(error.path("message").asText()).contains("llm-worker").contains("exited with code 1");
            // The other worker is untouched.
            assertThat(o.awaitReady(WorkerKind.SD).path("restarts").asInt()).isZero();
        }
    }

    @Test
    void theThreadSplitSavedInSettingsAppliesAtTheNextStart() throws Exception {
        try (Database db = Database.open(dir.resolve("data").resolve("mysticanvas.db"))) {
            new SettingsStore(db).merge(Json.parseObject("{\"threads\":{\"llm\":3}}"));
        }
        try (TestOrchestrator o = TestOrchestrator.builder(dir).threads(0, 2).start()) {
            assertThat(commandLine(o.awaitReady(WorkerKind.LLM))).contains("--llm-threads 3");
            assertThat(commandLine(o.awaitReady(WorkerKind.SD))).contains("--sd-threads 2"); // the command line wins
        }
    }

    private static String commandLine(JsonNode worker) throws IOException {
        return Files.readString(Path.of("/proc/" + worker.path("pid").asLong() + "/cmdline")).replace('\0', ' ');
    }

    @Test
    void aModelBeingLoadedIsReportedInTheWorkerState() throws Exception {
        try (TestOrchestrator o = TestOrchestrator.builder(dir).worker(WorkerKind.SD, LoadingWorker.class).start()) {
            JsonNode sd = o.awaitWorker(WorkerKind.SD, w -> w.path("loading").isTextual(), Duration.ofSeconds(30));
            assertThat(sd.path("loading").asText()).isEqualTo(LoadingWorker.LOADING);
            assertThat(sd.path("state").asText()).isEqualTo("ready");
        }
    }
}
