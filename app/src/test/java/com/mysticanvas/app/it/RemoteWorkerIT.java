package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.workers.RemoteWorkers;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A MystiCanvas LLM worker started on its own, as on another machine ({@code --listen}, {@code --worker-token}), and an
 * orchestrator that takes it with {@code --remote-worker}: health-checked, streamed through, shown with its host, not
 * restarted from here, reported down when it goes and taken back when it returns.
 */
class RemoteWorkerIT {
    private static final String TOKEN = "s3cret-token";

    @TempDir
    Path dir;

    private Process startRemote(int port, String host, boolean withToken) throws Exception {
        List<String> args = new ArrayList<>(List.of("--mode", "llm-worker", "--listen", host + ":" + port,
                "--models-dir", dir.resolve("remote-models").toString(), "--data-dir", dir.resolve("remote-data").toString(),
                "--llm-model", TinyModels.LLM, "--llm-threads", "1"));
        if (withToken) {
            args.addAll(List.of("--worker-token", TOKEN));
        }
        List<String> cmd = WorkerLauncher.sameJvm(Main.class.getName()).command(WorkerKind.LLM, args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("remote-" + port + ".log").toFile()).start();
    }

    @Test
    void aRemoteWorkerServesThroughTheOrchestratorAndIsReportedDownWhenItGoes() throws Exception {
        TinyModels.write(dir.resolve("remote-models"));
        Process open = startRemote(0, "0.0.0.0", false);
        assertThat(open.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(open.exitValue()).as("beyond loopback without a token: refused").isEqualTo(2);
        assertThat(java.nio.file.Files.readString(dir.resolve("remote-0.log"))).contains("needs --worker-token");

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process remote = startRemote(port, "127.0.0.1", true);
        try (TestOrchestrator o = TestOrchestrator.builder(dir)
                .remoteWorkers(new RemoteWorkers(Map.of(WorkerKind.LLM, URI.create("http://127.0.0.1:" + port)), TOKEN)).start()) {
            JsonNode llm = await(o, w -> w.path("state").asText().equals("ready") && TinyModels.LLM.equals(w.path("model").asText()));
            assertThat(llm.path("host").asText()).isEqualTo("127.0.0.1:" + port);
            assertThat(llm.path("pid").isNull()).as("no process of ours").isTrue();
            assertThat(llm.path("rssBytes").asLong()).as("its memory, as it reports it").isGreaterThan(10L << 20);
            JsonNode cpu = llm.path("devices").path(0);
            assertThat(cpu.path("type").asText()).as("its devices, as llama.cpp lists them: " + llm).isEqualTo("cpu");
            assertThat(cpu.path("memory_total").asLong()).isGreaterThanOrEqualTo(cpu.path("memory_free").asLong()).isGreaterThan(0);

            HttpResponse<String> chat = o.post("/v1/chat/completions", "{\"max_tokens\":3,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(chat.body()).contains("data: [DONE]");
            String conversation = Json.parse(o.post("/api/conversations", "{\"settings\":{\"max_tokens\":3}}").body()).path("id").asText();
            assertThat(o.postEvents("/api/conversations/" + conversation + "/chat", "{\"content\":\"hello\"}").getLast()[0]).isEqualTo("done");

            HttpResponse<String> restart = o.post("/api/workers/llm/restart", "{}");
            assertThat(restart.statusCode()).isEqualTo(400);
            assertThat(restart.body()).contains("restart it there");

            remote.destroyForcibly().waitFor();
            JsonNode down = await(o, w -> w.path("state").asText().equals("down"));
            assertThat(down.path("host").asText()).isEqualTo("127.0.0.1:" + port);
            HttpResponse<String> refused = o.post("/v1/chat/completions", "{\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("127.0.0.1:" + port, "down");

            remote = startRemote(port, "127.0.0.1", true);
            await(o, w -> w.path("state").asText().equals("ready") && TinyModels.LLM.equals(w.path("model").asText()));
            assertThat(o.post("/v1/chat/completions", "{\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .statusCode()).as("taken back").isEqualTo(200);
        } finally {
            remote.destroyForcibly().waitFor();
        }
    }

    private static JsonNode await(TestOrchestrator o, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode llm = null;
        while (System.nanoTime() < deadline) {
            llm = Json.parse(o.get("/api/workers").body()).path("workers").path("llm");
            if (condition.test(llm)) {
                return llm;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the remote worker never got there: " + llm);
    }
}
