package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
        // Low-memory mode here, so every image route runs on it; the other tests use the default.
        // --max-steps 300: the UI must learn it from /api/capabilities, not from a copy of the default.
        o = TestOrchestrator.builder(dir).sdModel("tiny-sd.safetensors").sdLowMemory()
                .limits(new Limits(2048, 300, 16, 20_000, 8, 0, 16, 64)).start();
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
    void capabilitiesGiveTheLimitsInForceAndTheImageWorkersChoicesAndDefaults() throws Exception {
        JsonNode caps = Json.parse(o.get("/api/capabilities").body());
        assertThat(caps.path("limits").path("maxSteps").asInt()).isEqualTo(300);
        assertThat(caps.path("limits").path("maxImageSide").asInt()).isEqualTo(2048);
        assertThat(caps.path("limits").path("sideMultiple").asInt()).isEqualTo(8);
        JsonNode images = caps.path("images");
        assertThat(images.path("samplers").findValuesAsText("id")).contains("euler_a", "dpmpp_2m");
        assertThat(images.path("schedules").findValuesAsText("id")).contains("discrete", "karras");
        assertThat(images.path("families").findValuesAsText("id")).contains("sd1");
        assertThat(images.path("defaults").path("steps").asInt()).isEqualTo(20);
        assertThat(images.has("limits")).as("the orchestrator's limits are the ones in force").isFalse();
        // The SD worker took the same limits: a 300-step request is no 400.
        HttpResponse<String> tooMany = o.post("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":301}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("between 1 and 300");
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
    void theLowMemoryFlagReachesTheImageWorker() throws Exception {
        HttpResponse<String> load = o.post("/v1/models/load", "{\"checkpoint\":\"tiny-sd.safetensors\"}");
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
        assertThat(Json.parse(load.body()).path("memory").asText()).isEqualTo("low");
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
        assertThat(image.path("params").path("rng").asText()).as("the generator, for reuse").isEqualTo("gpu");
        JsonNode listed = Json.parse(o.get("/api/gallery").body()).path("data");
        assertThat(listed).extracting(i -> i.path("id").asText()).contains(image.path("id").asText());
        HttpResponse<byte[]> png = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/gallery/" + image.path("id").asText() + "/image")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(Png.readText(png.body()).get("parameters")).contains("a blue boat").contains("Negative prompt: fog").contains("Seed: 11");
    }

    @Test
    void aGalleryImageUpscaledByAModelIsSavedBesideItWithItsParameters() throws Exception {
        List<String[]> events = sse("/api/images", "{\"prompt\":\"a red kite\",\"width\":64,\"height\":64,\"steps\":2,"
                + "\"seed\":21}");
        JsonNode source = Json.parse(events.getLast()[1]).path("images").get(0);
        String id = source.path("id").asText();
        HttpResponse<String> r = o.post("/api/gallery/" + id + "/upscale", "{\"upscaler\":\"tiny-esrgan-4x\",\"scale\":2}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode up = Json.parse(r.body());
        assertThat(up.path("width").asInt()).isEqualTo(128);
        assertThat(up.path("height").asInt()).isEqualTo(128);
        assertThat(up.path("prompt").asText()).isEqualTo("a red kite");
        assertThat(up.path("seed").asLong()).isEqualTo(21);
        JsonNode params = up.path("params");
        assertThat(params.path("mode").asText()).isEqualTo("upscale");
        assertThat(params.path("source_image").asText()).isEqualTo(id);
        assertThat(params.path("postprocessing").asText()).isEqualTo("Postprocess upscale by: 2.0, Postprocess upscaler: tiny-esrgan-4x");
        HttpResponse<byte[]> png = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/gallery/" + up.path("id").asText()
                + "/image")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(Png.readText(png.body())).as("the source's generation text is kept, as A1111's extras keep it")
                .containsEntry("postprocessing", "Postprocess upscale by: 2.0, Postprocess upscaler: tiny-esrgan-4x")
                .hasEntrySatisfying("parameters", t -> assertThat(t).contains("a red kite", "Seed: 21"));

        assertThat(o.post("/api/gallery/" + id + "/upscale", "{\"upscaler\":\"4x-Nope\"}").statusCode()).isEqualTo(404);
        assertThat(o.post("/api/gallery/" + id + "/upscale", "{\"upscaler\":\"Lanczos\",\"scale\":20}").statusCode()).isEqualTo(400);
        assertThat(o.post("/api/gallery/no-such-image/upscale", "{\"upscaler\":\"Lanczos\"}").statusCode()).isEqualTo(404);
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
    void everyImageJobAndEveryStudioChangeIsRelayedOnTheEventStream() throws Exception {
        try (UiEvents events = new UiEvents()) {
            // An A1111 script's job, which the orchestrator only proxies: the UI still sees it run and end.
            CompletableFuture<HttpResponse<String>> script = o.http.sendAsync(HttpRequest.newBuilder(o.base.resolve("/sdapi/v1/txt2img"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow\",\"steps\":150,\"width\":256,\"height\":256}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode running = events.await("image-job", e -> e.path("state").asText().equals("running") && e.path("step").asInt() >= 1);
            assertThat(running.path("steps").asInt()).isEqualTo(150);
            assertThat(running.has("preview")).isFalse();
            String job = running.path("job").asText();
            try (UiEvents later = new UiEvents()) { // a page opened mid-job is told of it at once
                JsonNode active = later.await("image-jobs", e -> true);
                assertThat(active).extracting(j -> j.path("job").asText()).containsExactly(job);
            }
            o.post("/sdapi/v1/interrupt", ""); // A1111's: the image is finished from where it stood
            events.await("image-job", e -> e.path("job").asText().equals(job) && e.path("state").asText().equals("done"));
            assertThat(script.get().statusCode()).isEqualTo(200);

            // A studio job: its state, and each image it saved, so other open pages can show it.
            List<String[]> studio = sse("/api/images", "{\"prompt\":\"a lamp\",\"width\":64,\"height\":64,\"steps\":2}");
            assertThat(studio.getLast()[0]).isEqualTo("done");
            String imageId = Json.parse(studio.getLast()[1]).path("images").get(0).path("id").asText();
            String studioJob = Json.parse(studio.getFirst()[1]).path("job").asText();
            events.await("image-job", e -> e.path("job").asText().equals(studioJob) && e.path("state").asText().equals("done"));
            events.await("gallery-image", e -> e.path("image").path("id").asText().equals(imageId));

            // Deletions too, so other pages drop what is gone.
            assertThat(o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/gallery/" + imageId)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
            events.await("gallery-image-deleted", e -> e.path("id").asText().equals(imageId));
            String chat = Json.parse(o.post("/api/conversations", "{}").body()).path("id").asText();
            assertThat(o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/conversations/" + chat)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
            events.await("conversation-deleted", e -> e.path("id").asText().equals(chat));
        }
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
        assertThat(Json.parse(events.getLast()[1]).path("error").path("message").asText()).contains("stopped mid-job");
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

    /** The UI's {@code /api/events}, read on a thread of its own so that each wait can time out. */
    private static final class UiEvents implements AutoCloseable {
        private final BlockingQueue<String[]> received = new LinkedBlockingQueue<>();
        private final List<String[]> history = new ArrayList<>();
        private final InputStream body;

        UiEvents() throws Exception {
            body = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/events")).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream()).body();
            Thread.ofVirtual().start(() -> {
                try {
                    TestOrchestrator.readEvents(body, new ArrayList<>(), e -> !received.add(e)); // never stops by itself
                } catch (IOException e) {
                    // closed by the test
                }
            });
            await("workers", e -> true); // sent once this client is registered: later events reach it
        }

        /** The data of the first {@code event} so far or to come that matches (events may come in any order); fails after 30 s. */
        JsonNode await(String event, Predicate<JsonNode> matches) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int i = 0; ; i++) {
                while (i == history.size()) {
                    String[] next = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    assertThat(next).as("no matching %s event within 30 s", event).isNotNull();
                    history.add(next);
                }
                String[] e = history.get(i);
                if (e[0].equals(event) && matches.test(Json.parse(e[1]))) {
                    return Json.parse(e[1]);
                }
            }
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
