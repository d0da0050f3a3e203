package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reverse proxy against a test LLM worker that streams with pauses, crashes and echoes. */
class StreamingProxyIT {
    @TempDir
    static Path dir;
    static TestOrchestrator o;

    @BeforeAll
    static void start() throws Exception {
        o = TestOrchestrator.builder(dir).worker(WorkerKind.LLM, PausingStreamWorker.class).start();
        o.awaitReady(WorkerKind.LLM);
    }

    @AfterAll
    static void stop() {
        o.close();
    }

    @Test
    void eventsArriveAsTheWorkerSendsThem() throws Exception {
        HttpResponse<InputStream> r = streamChat("{\"stream\":true,\"events\":4,\"pause_ms\":400}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<long[]> sentAndArrived = new ArrayList<>();
        List<String> data = new ArrayList<>();
        try (BufferedReader in = reader(r)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                    if (!line.equals("data: [DONE]")) {
                        long sent = Json.parse(line.substring(6)).path("sent_ms").asLong();
                        sentAndArrived.add(new long[] {sent, System.currentTimeMillis()});
                    }
                }
            }
        }
        assertThat(data).hasSize(5).last().isEqualTo("[DONE]");
        // Each event is passed on as it is sent (the worker pauses 400 ms between them), not held back:
        // the first one is here before the last one was even written.
        assertThat(sentAndArrived.getFirst()[1]).isLessThan(sentAndArrived.getLast()[0]);
        for (long[] event : sentAndArrived) {
            assertThat(event[1] - event[0]).as("delay in the proxy").isLessThan(1_000);
        }
    }

    @Test
    void clientDisconnectCancelsTheUpstreamStream() throws Exception {
        int cancelledBefore = stats().path("cancelled").asInt();
        HttpResponse<InputStream> r = streamChat("{\"stream\":true,\"events\":100,\"pause_ms\":100}");
        try (BufferedReader in = reader(r)) {
            assertThat(in.readLine()).startsWith("data: ");
        } // closing the stream drops the connection mid-stream
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (stats().path("cancelled").asInt() == cancelledBefore && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(stats().path("cancelled").asInt()).isEqualTo(cancelledBefore + 1);
    }

    @Test
    void workerCrashMidStreamEndsWithAnErrorEvent() throws Exception {
        long pid = o.awaitReady(WorkerKind.LLM).path("pid").asLong();
        HttpResponse<InputStream> r = streamChat("{\"stream\":true,\"events\":10,\"pause_ms\":100,\"crash_after\":2}");
        List<String> data = new ArrayList<>();
        try (BufferedReader in = reader(r)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
        }
        assertThat(data).hasSize(3);
        JsonNode error = Json.parse(data.get(2)).path("error");
        assertThat(error.path("message").asText()).contains("llm-worker failed mid-stream");
        assertThat(error.path("code").asText()).isEqualTo("worker_failed");
        o.awaitWorker(WorkerKind.LLM, w -> w.path("state").asText().equals("ready")
                && w.path("pid").asLong() != pid, Duration.ofSeconds(30));
    }

    @Test
    void plainRequestsKeepStatusHeadersAndBody() throws Exception {
        HttpResponse<String> r = o.http.send(HttpRequest.newBuilder(o.base.resolve("/v1/llm/echo?status=418&x=a%20b"))
                .header("Content-Type", "application/json")
                .header("X-Client", "kept")
                .header("Authorization", "Bearer not-for-workers")
                .POST(HttpRequest.BodyPublishers.ofString("{\"hello\":\"wörld\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(418);
        assertThat(r.headers().firstValue("X-Echo")).hasValue("yes");
        JsonNode echo = Json.parse(r.body());
        assertThat(echo.path("body").asText()).isEqualTo("{\"hello\":\"wörld\"}");
        assertThat(echo.path("query").asText()).isEqualTo("status=418&x=a%20b");
        JsonNode headers = echo.path("headers");
        assertThat(headers.path("X-Client").asText()).isEqualTo("kept");
        assertThat(headers.has("Authorization")).isFalse();
    }

    @Test
    void modelListMergesWorkerFilesWithType() throws Exception {
        JsonNode models = Json.parse(o.get("/v1/models").body());
        assertThat(models.path("object").asText()).isEqualTo("list");
        JsonNode first = models.path("data").get(0);
        assertThat(first.path("id").asText()).isEqualTo("pausing.gguf");
        assertThat(first.path("type").asText()).isEqualTo("llm");
        assertThat(first.path("object").asText()).isEqualTo("model");
        assertThat(first.path("size").asInt()).isEqualTo(1234);
    }

    @Test
    void sdRoutesGoToTheSdWorker() throws Exception {
        o.awaitReady(WorkerKind.SD);
        assertThat(Json.parse(o.get("/v1/models/checkpoints").body()).path("object").asText()).isEqualTo("list");
        assertThat(Json.parse(o.get("/v1/images/progress").body()).path("state").asText()).isEqualTo("idle");
        assertThat(o.get("/sdapi/v1/samplers").statusCode()).isEqualTo(200);
        HttpResponse<String> noModel = o.post("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"64x64\"}");
        assertThat(noModel.statusCode()).isEqualTo(503);
        assertThat(Json.parse(noModel.body()).path("error").path("code").asText()).isEqualTo("no_model_loaded");
    }

    private static JsonNode stats() throws Exception {
        return Json.parse(o.get("/v1/llm/stats").body());
    }

    private static HttpResponse<InputStream> streamChat(String body) throws Exception {
        return o.http.send(HttpRequest.newBuilder(o.base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static BufferedReader reader(HttpResponse<InputStream> r) {
        return new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
    }
}
