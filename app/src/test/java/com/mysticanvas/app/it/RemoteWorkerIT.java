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
        try {
            try (TestOrchestrator o = TestOrchestrator.builder(dir)
                    .remoteWorkers(RemoteWorkers.of(WorkerKind.LLM, URI.create("http://127.0.0.1:" + port), TOKEN)).start()) {
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
                // names are the remote worker's files (this machine's models folder has none)
                String name = TinyModels.LLM.replaceFirst("\\.gguf$", "");
                assertThat(o.post("/v1/chat/completions", "{\"model\":\"" + name + "\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
                HttpResponse<String> unknown = o.post("/v1/chat/completions", "{\"model\":\"nowhere\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}");
                assertThat(unknown.statusCode()).isEqualTo(404);
                assertThat(unknown.body()).contains("the remote LLM worker's models");

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

                // saved in Settings instead, for the next start; the token is never read back
                HttpResponse<String> saved = o.http.send(java.net.http.HttpRequest.newBuilder(o.base.resolve("/api/settings"))
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"remoteWorkers\":{\"llm\":[\"http://127.0.0.1:" + port
                                + "\"],\"token\":\"" + TOKEN + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(saved.statusCode()).isEqualTo(200);
                assertThat(saved.body()).doesNotContain(TOKEN).contains("\"hasToken\":true");
                assertThat(o.get("/api/settings").body()).doesNotContain(TOKEN);
                o.http.send(java.net.http.HttpRequest.newBuilder(o.base.resolve("/api/settings"))
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"remoteWorkers\":{\"llm\":[\"http://127.0.0.1:" + port
                                + "\"]}}")).build(), HttpResponse.BodyHandlers.ofString()); // saved again without it: kept
            }
            try (TestOrchestrator fromSettings = TestOrchestrator.builder(dir).start()) {
                JsonNode llm = await(fromSettings, w -> w.path("state").asText().equals("ready") && w.path("host").isTextual());
                assertThat(llm.path("host").asText()).as("the saved remote worker, with the saved token").isEqualTo("127.0.0.1:" + port);
                assertThat(chat(fromSettings).statusCode()).isEqualTo(200);
            }
        } finally {
            remote.destroyForcibly().waitFor();
        }
    }

    @Test
    void severalStandInOrderAndARequestToAKilledOneGoesOnToTheNextThenToOurOwn() throws Exception {
        TinyModels.write(dir.resolve("remote-models"));
        TinyModels.write(dir.resolve("models"));
        int a = freePort();
        int b = freePort();
        Process first = startRemote(a, "127.0.0.1", true);
        Process second = startRemote(b, "127.0.0.1", true);
        answering(a);
        answering(b);
        RemoteWorkers pool = new RemoteWorkers(Map.of(WorkerKind.LLM, List.of(URI.create("http://127.0.0.1:" + a),
                URI.create("http://127.0.0.1:" + b))), java.util.Set.of(WorkerKind.LLM), TOKEN);
        // health checked at the start and then only every 60 s: what moves requests on below is their own failure
        var slowHealth = new com.mysticanvas.orchestrator.workers.SupervisorTiming(Duration.ofSeconds(60), Duration.ofSeconds(2), 3,
                Duration.ofSeconds(60), Duration.ofSeconds(60));
        try (TestOrchestrator o = TestOrchestrator.builder(dir).remoteWorkers(pool).timing(slowHealth).llmModel(TinyModels.LLM).start()) {
            JsonNode serving = await(o, w -> w.path("state").asText().equals("ready")
                    && w.path("standby").size() == 2 && w.path("standby").findValuesAsText("state").equals(List.of("ready", "ready")));
            assertThat(serving.path("host").asText()).as("the first given serves").isEqualTo("127.0.0.1:" + a);
            assertThat(serving.path("standby").get(0).path("host").asText()).isEqualTo("127.0.0.1:" + b);
            assertThat(serving.path("standby").get(1).path("host").isNull()).as("ours, last").isTrue();
            assertThat(chat(o).statusCode()).isEqualTo(200);

            first.destroyForcibly().waitFor();
            HttpResponse<String> movedOn = chat(o);
            assertThat(movedOn.statusCode()).as("sent on to the second, though no health check saw the first go: " + movedOn.body())
                    .isEqualTo(200);
            JsonNode now = Json.parse(o.get("/api/workers").body()).path("workers").path("llm");
            assertThat(now.path("host").asText()).isEqualTo("127.0.0.1:" + b);
            assertThat(now.path("standby").get(0).path("state").asText()).isEqualTo("down");

            second.destroyForcibly().waitFor();
            assertThat(chat(o).statusCode()).as("then to this machine's own").isEqualTo(200);
            String conversation = Json.parse(o.post("/api/conversations", "{\"settings\":{\"max_tokens\":3}}").body()).path("id").asText();
            assertThat(o.postEvents("/api/conversations/" + conversation + "/chat", "{\"content\":\"hello\"}").getLast()[0]).isEqualTo("done");
            now = Json.parse(o.get("/api/workers").body()).path("workers").path("llm");
            assertThat(now.path("host").isNull()).isTrue();
            assertThat(now.path("pid").asLong()).isPositive();
            assertThat(now.path("standby").findValuesAsText("state")).containsExactly("down", "down");
            assertThat(o.post("/api/workers/llm/restart", "{}").statusCode()).as("ours restarts from here").isEqualTo(202);
        } finally {
            first.destroyForcibly().waitFor();
            second.destroyForcibly().waitFor();
        }
    }

    private static HttpResponse<String> chat(TestOrchestrator o) throws Exception {
        return o.post("/v1/chat/completions", "{\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    /** Waits until the worker on {@code port} answers its health check (its process is up and listening). */
    private static void answering(int port) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var health = java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .header(com.mysticanvas.core.worker.Handshake.SECRET_HEADER, TOKEN).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if (http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            assertThat(System.nanoTime()).as("the worker on " + port + " never answered").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
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
