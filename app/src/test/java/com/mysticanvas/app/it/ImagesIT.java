package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerKind;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image generation through the orchestrator, with the real SD worker and the tiny synthetic checkpoint. */
class ImagesIT {
    @TempDir
    static Path dir;
    static TestOrchestrator o;

    @BeforeAll
    static void start() throws Exception {
        SdSynthModels.write("tiny", dir.resolve("models"));
        o = TestOrchestrator.builder(dir).sdModel("tiny-sd.safetensors").start();
        awaitSdModel();
    }

    @AfterAll
    static void stop() {
        o.close();
    }

    @BeforeEach
    void sdWorkerIsReady() throws Exception {
        awaitSdModel(); // a test before may have killed it
    }

    static void awaitSdModel() throws Exception {
        o.awaitWorker(WorkerKind.SD, w -> w.path("state").asText().equals("ready")
                && w.path("model").asText().equals("tiny-sd.safetensors"), Duration.ofSeconds(60));
    }

    @Test
    void theMergedModelListShowsTheCheckpointAsAnImageModel() throws Exception {
        JsonNode models = Json.parse(o.get("/v1/models").body()).path("data");
        assertThat(models).anySatisfy(m -> {
            assertThat(m.path("id").asText()).isEqualTo("tiny-sd.safetensors");
            assertThat(m.path("type").asText()).isEqualTo("image");
            assertThat(m.path("loaded").asBoolean()).isTrue();
        });
    }

    @Test
    void aStudioJobStreamsProgressThenSavesEveryImageToTheGallery() throws Exception {
        List<String[]> events = sse("/api/images", "{\"prompt\":\"a blue boat\",\"negative_prompt\":\"fog\",\"width\":64,"
                + "\"height\":64,\"steps\":3,\"n\":2,\"seed\":11,\"sampler\":\"euler\",\"scheduler\":\"karras\"}");
        List<String> names = events.stream().map(e -> e[0]).toList();
        assertThat(names.getFirst()).isEqualTo("queued");
        assertThat(names.indexOf("progress")).isGreaterThan(0).isLessThan(names.indexOf("image"));
        assertThat(names).endsWith("image", "image", "done");
        JsonNode done = Json.parse(events.getLast()[1]).path("images");
        assertThat(done).extracting(i -> i.path("seed").asLong()).containsExactly(11L, 12L);

        JsonNode image = done.get(0);
        assertThat(image.path("model").asText()).isEqualTo("tiny-sd.safetensors");
        assertThat(image.path("params").path("sampler").asText()).isEqualTo("euler");
        JsonNode listed = Json.parse(o.get("/api/gallery").body()).path("data");
        assertThat(listed).extracting(i -> i.path("id").asText()).contains(image.path("id").asText());
        HttpResponse<byte[]> png = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/gallery/" + image.path("id").asText() + "/image")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(Png.readText(png.body()).get("parameters")).contains("a blue boat").contains("Negative prompt: fog").contains("Seed: 11");
    }

    @Test
    void a1111ClientsWorkThroughTheOrchestrator() throws Exception {
        HttpResponse<String> r = o.post("/sdapi/v1/txt2img",
                "{\"prompt\":\"a cabin\",\"steps\":2,\"width\":64,\"height\":64,\"seed\":5,\"sampler_name\":\"Euler a\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        byte[] png = Base64.getDecoder().decode(Json.parse(r.body()).path("images").get(0).asText());
        assertThat(Png.readText(png).get("parameters")).contains("Sampler: Euler a");
        assertThat(Json.parse(o.get("/sdapi/v1/options").body()).path("sd_model_checkpoint").asText()).isEqualTo("tiny-sd.safetensors");
    }

    @Test
    void jobProgressIsRelayedOnTheEventStream() throws Exception {
        HttpResponse<InputStream> events = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<String> jobEvent = CompletableFuture.supplyAsync(() -> firstLineAfter(events.body(), "event: image-job"));
        o.post("/v1/images/generations", "{\"prompt\":\"unused\",\"size\":\"64x64\",\"steps\":1}"); // not a studio job: not relayed
        List<String[]> studio = sse("/api/images", "{\"prompt\":\"a lamp\",\"width\":64,\"height\":64,\"steps\":2}");
        assertThat(studio.getLast()[0]).isEqualTo("done");
        assertThat(jobEvent.get()).contains("\"job\":\"job-");
        events.body().close();
    }

    @Test
    void aCrashMidJobGivesTheCallerAnErrorAndTheWorkerComesBackWithItsCheckpoint() throws Exception {
        long pid = o.worker(WorkerKind.SD).path("pid").asLong();
        HttpResponse<InputStream> r = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/images"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow\",\"width\":256,\"height\":256,\"steps\":150}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String[]> events = new ArrayList<>();
        TestOrchestrator.readEvents(r.body(), events, e -> {
            if (e[0].equals("progress")) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            return false;
        });
        assertThat(events.getLast()[0]).isEqualTo("error");
        assertThat(Json.parse(events.getLast()[1]).path("message").asText()).contains("stopped mid-job");
        o.awaitWorker(WorkerKind.SD, w -> w.path("pid").asLong() != pid && w.path("state").asText().equals("ready")
                && w.path("model").asText().equals("tiny-sd.safetensors"), Duration.ofSeconds(60));
    }

    @Test
    void badImageRequestsAre4xxJsonBeforeAnyStream() throws Exception {
        for (String body : List.of("{\"prompt\":\"x\",\"width\":63}", "{\"prompt\":\"x\",\"sampler\":\"nope\"}",
                "{\"prompt\":\"x\",\"init_image\":\"%%%\"}", "{\"width\":64}", "{\"prompt\":\"x\",\"checkpoint\":\"../../x\"}")) {
            HttpResponse<String> r = o.post("/api/images", body);
            assertThat(r.statusCode()).as(body + " -> " + r.body()).isBetween(400, 499);
            assertThat(Json.parse(r.body()).path("error").path("message").asText()).isNotBlank();
        }
    }

    private static List<String[]> sse(String path, String body) throws Exception {
        return o.postEvents(path, body);
    }

    private static String firstLineAfter(InputStream in, String marker) {
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.equals(marker)) {
                    return lines.readLine();
                }
            }
            return "";
        } catch (Exception e) {
            return "";
        }
    }
}
