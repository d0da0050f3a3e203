package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.Json;
import com.mysticanvas.orchestrator.WorkerLauncher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator as its own process, killed with SIGKILL: its workers must not outlive it. */
class OrphanIT {
    private static final Pattern RUNNING = Pattern.compile("running at (http://\\S+/)");

    @TempDir
    Path dir;

    @Test
    void killingTheOrchestratorLeavesNoWorker() throws Exception {
        List<String> cmd = new ArrayList<>(WorkerLauncher.sameJvm(Main.class.getName())
                .command(com.mysticanvas.core.WorkerKind.LLM, List.of()));
        // sameJvm gives "java [opts] -cp CP Main"; start it as an orchestrator on a free port.
        cmd.addAll(List.of("--port", "0", "--models-dir", dir.resolve("models").toString(),
                "--data-dir", dir.resolve("data").toString(), "--llm-threads", "1", "--sd-threads", "1"));
        Process orchestrator = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            CompletableFuture<URI> url = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(orchestrator.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        Matcher m = RUNNING.matcher(line);
                        if (m.find()) {
                            url.complete(URI.create(m.group(1)));
                        }
                    }
                } catch (Exception e) {
                    url.completeExceptionally(e);
                }
            });
            URI base = url.get(60, TimeUnit.SECONDS);
            List<ProcessHandle> workers = awaitWorkerPids(base);
            assertThat(workers).hasSize(2).allMatch(ProcessHandle::isAlive);

            orchestrator.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs

            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (workers.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(workers).noneMatch(ProcessHandle::isAlive);
        } finally {
            orchestrator.descendants().forEach(ProcessHandle::destroyForcibly);
            orchestrator.destroyForcibly();
        }
    }

    private static List<ProcessHandle> awaitWorkerPids(URI base) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode workers = Json.parse(http.send(HttpRequest.newBuilder(base.resolve("api/workers")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("workers");
            if (workers.path("llm").path("state").asText().equals("ready")
                    && workers.path("sd").path("state").asText().equals("ready")) {
                return List.of(ProcessHandle.of(workers.path("llm").path("pid").asLong()).orElseThrow(),
                        ProcessHandle.of(workers.path("sd").path("pid").asLong()).orElseThrow());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("workers never became ready");
    }
}
