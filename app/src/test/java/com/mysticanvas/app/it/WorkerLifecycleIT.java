package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process manager with the real worker processes: start, handshake, output, crash, hang, restart. */
class WorkerLifecycleIT {
    @TempDir
    static Path dir;
    static TestOrchestrator o;

    @BeforeAll
    static void start() throws Exception {
        o = TestOrchestrator.builder(dir).start();
        o.awaitReady(WorkerKind.LLM);
        o.awaitReady(WorkerKind.SD);
    }

    @AfterAll
    static void stop() {
        o.close();
    }

    @Test
    void bothWorkersReportStateInHealthAndApi() throws Exception {
        JsonNode health = Json.parse(o.get("/health").body());
        assertThat(health.path("status").asText()).isEqualTo("ok");
        for (String name : new String[] {"llm", "sd"}) {
            JsonNode w = health.path("workers").path(name);
            assertThat(w.path("state").asText()).isEqualTo("ready");
            assertThat(w.path("pid").asLong()).isPositive().isNotEqualTo(ProcessHandle.current().pid());
            assertThat(w.path("port").asInt()).isPositive();
            assertThat(w.path("uptimeMs").asLong()).isNotNegative();
            assertThat(w.path("rssBytes").asLong()).isGreaterThan(10_000_000L);
            assertThat(ProcessHandle.of(w.path("pid").asLong())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        }
    }

    @Test
    void workersAreThisProgramRelaunched() throws Exception {
        long pid = o.worker(WorkerKind.SD).path("pid").asLong();
        String cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        assertThat(cmd).contains("com.mysticanvas.app.Main").contains("--mode sd-worker").contains("--parent-pid");
        assertThat(ProcessHandle.of(pid).orElseThrow().info().command())
                .isEqualTo(ProcessHandle.current().info().command());
    }

    @Test
    void workerOutputIsForwardedWithPrefix() throws Exception {
        // Workers log through slf4j on stderr; their first lines must appear with the prefix, never the handshake.
        awaitConsole("[sd] ");
        awaitConsole("[llm] ");
        assertThat(o.console()).doesNotContain("MYSTI_READY");
    }

    @Test
    void workerOutputIsReadOnPlatformThreads() {
        // Blocking pipe reads on virtual threads pinned every carrier of a 2-core machine and hung all HTTP requests.
        var readers = Thread.getAllStackTraces().keySet().stream() // lists platform threads only
                .filter(t -> t.getName().endsWith("-output")).map(Thread::getName).toList();
        assertThat(readers).contains("llm-output", "sd-output");
    }

    @Test
    void killedWorkerIsRestartedWithNewPid() throws Exception {
        JsonNode before = o.worker(WorkerKind.LLM);
        long pid = before.path("pid").asLong();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
        JsonNode after = o.awaitWorker(WorkerKind.LLM, w -> w.path("state").asText().equals("ready")
                && w.path("pid").asLong() != pid, Duration.ofSeconds(30));
        assertThat(after.path("restarts").asInt()).isGreaterThan(before.path("restarts").asInt());
        assertThat(after.path("lastError").asText()).contains("signal 9");
    }

    @Test
    void hungWorkerIsKilledAndRestarted() throws Exception {
        long pid = o.worker(WorkerKind.SD).path("pid").asLong();
        signal("STOP", pid); // alive but not answering
        try {
            JsonNode after = o.awaitWorker(WorkerKind.SD, w -> w.path("state").asText().equals("ready")
                    && w.path("pid").asLong() != pid, Duration.ofSeconds(30));
            assertThat(after.path("lastError").asText()).contains("not answering /health");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor(); // in case it survived
        }
    }

    @Test
    void restartEndpointRestartsOneWorker() throws Exception {
        long llmPid = o.awaitReady(WorkerKind.LLM).path("pid").asLong();
        long sdPid = o.awaitReady(WorkerKind.SD).path("pid").asLong();
        HttpResponse<String> r = o.post("/api/workers/llm/restart", "");
        assertThat(r.statusCode()).isEqualTo(202);
        o.awaitWorker(WorkerKind.LLM, w -> w.path("state").asText().equals("ready")
                && w.path("pid").asLong() != llmPid, Duration.ofSeconds(30));
        assertThat(o.worker(WorkerKind.SD).path("pid").asLong()).isEqualTo(sdPid);
        assertThat(o.post("/api/workers/gpu/restart", "").statusCode()).isEqualTo(404);
    }

    private static void awaitConsole(String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!o.console().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(o.console()).contains(text);
    }

    static void signal(String sig, long pid) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }
}
