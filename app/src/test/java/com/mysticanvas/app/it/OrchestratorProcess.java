package com.mysticanvas.app.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
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

/** The orchestrator as its own process (this test class path, a free port), for tests that kill it. */
final class OrchestratorProcess implements AutoCloseable {
    private static final Pattern RUNNING = Pattern.compile("running at (http://\\S+/)");

    final Process process;
    final URI base;
    final HttpClient http = HttpClient.newHttpClient();

    OrchestratorProcess(Path dir, String... extraArgs) throws Exception {
        this(dir, java.util.Map.of(), extraArgs);
    }

    /** With these environment variables added (a stand-in HF_ENDPOINT). */
    OrchestratorProcess(Path dir, java.util.Map<String, String> env, String... extraArgs) throws Exception {
        // sameJvm gives "java [opts] -cp CP Main"; started without --mode it is an orchestrator.
        List<String> cmd = new ArrayList<>(WorkerLauncher.sameJvm(Main.class.getName()).command(WorkerKind.LLM, List.of()));
        cmd.addAll(List.of("--port", "0", "--models-dir", dir.resolve("models").toString(),
                "--data-dir", dir.resolve("data").toString(), "--llm-threads", "1", "--sd-threads", "1"));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        builder.environment().putAll(env);
        process = builder.start();
        CompletableFuture<URI> url = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
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
            url.completeExceptionally(new IllegalStateException("the orchestrator exited with " + process.exitValue()));
        });
        base = url.get(60, TimeUnit.SECONDS);
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws Exception {
        return Json.parse(http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Waits until both workers are ready (and, when given, have loaded these models); returns their processes. */
    List<ProcessHandle> awaitWorkers(String llmModel, String sdModel) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode w = get("/api/workers").path("workers");
            if (ready(w.path("llm"), llmModel) && ready(w.path("sd"), sdModel)) {
                return List.of(ProcessHandle.of(w.path("llm").path("pid").asLong()).orElseThrow(),
                        ProcessHandle.of(w.path("sd").path("pid").asLong()).orElseThrow());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("workers never became ready: " + get("/api/workers"));
    }

    private static boolean ready(JsonNode worker, String model) {
        return worker.path("state").asText().equals("ready") && (model == null || model.equals(worker.path("model").asText()));
    }

    /** SIGKILL: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
