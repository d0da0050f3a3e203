package com.mysticanvas.sd;

import com.mysticanvas.core.models.ModelFolders;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.http.HttpServers;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.http.SseWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.sd.api.ImageJob;
import com.mysticanvas.sd.api.ImageJobs;
import com.mysticanvas.sd.api.OpenAiImageRequests;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.testing.TinyModels;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import io.javalin.Javalin;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image APIs (OpenAI and A1111) and the job queue, over real HTTP with the tiny checkpoint on ONNX Runtime. */
class SdImageApiTest {
    @TempDir
    static Path models;
    private static SdEngine engine;
    private static Javalin server;
    private static ImageJobs jobs;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        // Two checkpoints, so switching through /sdapi/v1/options can be seen.
        for (String dir : List.of("sd/checkpoints", "sd/loras", "sd/vae", "sd/upscalers")) {
            Files.createDirectories(models.resolve(dir));
        }
        for (String upscaler : List.of("tiny-compact-4x.safetensors", "tiny-esrgan-4x.safetensors")) {
            Files.copy(TinyModels.root().resolve("sd/upscalers").resolve(upscaler), models.resolve("sd/upscalers").resolve(upscaler));
        }
        Files.copy(TinyModels.checkpoint(), models.resolve("sd/checkpoints/tiny-sd.safetensors"));
        Files.copy(TinyModels.checkpoint(), models.resolve("sd/checkpoints/tiny-copy.safetensors"));
        Files.copy(TinyModels.lora(), models.resolve("sd/loras/tiny-lora.safetensors"));
        ModelFolders files = new ModelFolders(models);
        engine = new SdEngine(files, 1, SdModel.Memory.BALANCED, ClipTokenizer::bundled);
        server = HttpServers.create("127.0.0.1", 0, HttpServers.DEFAULT_MAX_BODY_BYTES,
                c -> jobs = SdWorker.routes(c.routes, engine, files, Limits.DEFAULTS)).start();
        engine.load("tiny-sd.safetensors", null);
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
    }

    @Test
    void streamedGenerationSendsQueuedThenProgressWithPreviewsThenResult() throws Exception {
        List<String[]> events = sse("/v1/images/generations",
                "{\"prompt\":\"a red fox\",\"size\":\"64x64\",\"steps\":4,\"seed\":5,\"stream\":true}");
        assertThat(events.getFirst()[0]).isEqualTo("queued");
        assertThat(events.getLast()[0]).isEqualTo("result");
        List<JsonNode> progress = events.stream().filter(e -> e[0].equals("progress")).map(e -> Json.parse(e[1])).toList();
        assertThat(progress).extracting(p -> p.path("step").asInt()).contains(1, 2, 3, 4);
        JsonNode last = progress.getLast();
        assertThat(last.path("steps").asInt()).isEqualTo(4);
        assertThat(last.path("job").asText()).isEqualTo(Json.parse(events.getFirst()[1]).path("job").asText());
        BufferedImage preview = decodeDataUrl(last.path("preview").asText());
        assertThat(preview.getWidth()).isEqualTo(64 / 8);
        JsonNode result = Json.parse(events.getLast()[1]);
        BufferedImage image = decode(result.path("data").get(0).path("b64_json").asText());
        assertThat(image.getWidth()).isEqualTo(64);

        // a TAESD decoder in models/sd/vae-approx: previews at the image's own size
        Path approx = Files.createDirectories(models.resolve("sd/vae-approx")).resolve("taesd_decoder.safetensors");
        Files.copy(TinyModels.root().resolve("sd/vae-approx/taesd_decoder.safetensors"), approx);
        try {
            List<String[]> withTaesd = sse("/v1/images/generations",
                    "{\"prompt\":\"a red fox\",\"size\":\"64x64\",\"steps\":2,\"seed\":5,\"stream\":true}");
            JsonNode step = withTaesd.stream().filter(e -> e[0].equals("progress")).map(e -> Json.parse(e[1])).toList().getLast();
            assertThat(decodeDataUrl(step.path("preview").asText()).getWidth()).isEqualTo(64);
        } finally {
            Files.delete(approx);
        }
    }

    @Test
    void editsTakeJsonOrMultipartAndStrengthZeroKeepsTheInput() throws Exception {
        String source = generate("{\"prompt\":\"a hill\",\"size\":\"64x64\",\"steps\":2,\"seed\":1}");
        HttpResponse<String> same = post("/v1/images/edits",
                Json.write(Json.object().put("prompt", "a hill").put("image", source).put("strength", 0).put("size", "64x64")));
        assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
        assertThat(pixels(decode(Json.parse(same.body()).path("data").get(0).path("b64_json").asText())))
                .isEqualTo(pixels(decode(source)));

        // OpenAI clients send multipart with a transparent-where-to-edit mask.
        String boundary = "----mysti" + UUID.randomUUID();
        byte[] body = multipart(boundary, List.of(
                new Part("prompt", null, "a hill at night".getBytes(StandardCharsets.UTF_8)),
                new Part("size", null, "64x64".getBytes(StandardCharsets.UTF_8)),
                new Part("steps", null, "2".getBytes(StandardCharsets.UTF_8)),
                new Part("image", "image.png", Base64.getDecoder().decode(source)),
                new Part("mask", "mask.png", transparentMask(64, 64))));
        HttpResponse<String> edited = HTTP.send(HttpRequest.newBuilder(uri("/v1/images/edits"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
        assertThat(pixels(decode(Json.parse(edited.body()).path("data").get(0).path("b64_json").asText())))
                .isNotEqualTo(pixels(decode(source)));
    }

    @Test
    void a1111Txt2imgWithTheFieldsClientsSend() throws Exception {
        HttpResponse<String> r = post("/sdapi/v1/txt2img", """
                {"prompt":"a lighthouse <lora:tiny-lora:0.6>","negative_prompt":"blurry","styles":[],"seed":42,
                 "subseed":-1,"sampler_name":"DPM++ 2M","scheduler":"Karras","batch_size":1,"n_iter":2,"steps":3,
                 "cfg_scale":6.5,"width":64,"height":64,"restore_faces":false,"tiling":false,"enable_hr":false,
                 "override_settings":{"sd_model_checkpoint":"tiny-sd"},"send_images":true,"save_images":false,
                 "alwayson_scripts":{}}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("images").size()).isEqualTo(2);
        JsonNode info = Json.parse(body.path("info").asText());
        assertThat(info.path("all_seeds")).extracting(JsonNode::asLong).containsExactly(42L, 43L);
        assertThat(info.path("sampler_name").asText()).isEqualTo("DPM++ 2M");
        assertThat(info.path("infotexts").get(0).asText()).contains("Steps: 3").contains("Seed: 42");
        byte[] png = Base64.getDecoder().decode(body.path("images").get(0).asText());
        assertThat(Png.readText(png).get("parameters")).contains("a lighthouse").contains("Negative prompt: blurry");
        assertThat(body.path("parameters").path("prompt").asText()).startsWith("a lighthouse");

        // civitai's links: the checkpoint's AutoV2 hash, the LoRA's, what made it; and A1111's PNG Info reads it back
        String infotext = info.path("infotexts").get(0).asText();
        String modelHash = com.mysticanvas.sd.model.ModelHashes.autoV2(TinyModels.checkpoint());
        String loraHash = com.mysticanvas.sd.model.ModelHashes.lora(TinyModels.lora());
        assertThat(infotext).contains("Model hash: " + modelHash + ", Model: tiny-sd", "Lora hashes: \"tiny-lora: " + loraHash + "\"",
                "Version: MystiCanvas");
        HttpResponse<String> read = post("/sdapi/v1/png-info", Json.object().put("image", "data:image/png;base64,"
                + body.path("images").get(0).asText()).toString());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        JsonNode pngInfo = Json.parse(read.body());
        assertThat(pngInfo.path("info").asText()).isEqualTo(infotext);
        JsonNode fields = pngInfo.path("parameters");
        assertThat(fields.path("Prompt").asText()).startsWith("a lighthouse").endsWith("<lora:tiny-lora:0.6>");
        assertThat(fields.path("Negative prompt").asText()).isEqualTo("blurry");
        assertThat(fields.path("Seed").asText()).isEqualTo("42");
        assertThat(fields.path("Size-1").asText() + "x" + fields.path("Size-2").asText()).isEqualTo("64x64");
        assertThat(fields.path("Model hash").asText()).isEqualTo(modelHash);
        assertThat(fields.path("Lora hashes").asText()).isEqualTo("tiny-lora: " + loraHash);
        assertThat(post("/sdapi/v1/png-info", "{\"image\":\"aGVsbG8=\"}").statusCode()).as("not a PNG").isEqualTo(400);
    }

    @Test
    void textualInversionEmbeddingsAreNamedInPromptsListedAndABrokenOneIsReported() throws Exception {
        Path folder = Files.createDirectories(models.resolve("sd/embeddings"));
        Path embedding = Files.copy(TinyModels.root().resolve("sd/embeddings/tiny-embedding.safetensors"),
                folder.resolve("easy-style.safetensors"));
        Path xl = Files.copy(TinyModels.root().resolve("sd/embeddings/tiny-sdxl-embedding.safetensors"),
                folder.resolve("xl-style.safetensors"));
        String image;
        try {
            String body = "{\"prompt\":\"a fox, %s\",\"size\":\"64x64\",\"steps\":1,\"seed\":5}";
            JsonNode named = Json.parse(post("/v1/images/generations", body.formatted("easy-style")).body());
            JsonNode plain = Json.parse(post("/v1/images/generations", body.formatted("easy style")).body());
            JsonNode otherFamily = Json.parse(post("/v1/images/generations", body.formatted("xl-style")).body());
            image = named.path("data").get(0).path("b64_json").asText();
            assertThat(image).isNotEmpty().isNotEqualTo(plain.path("data").get(0).path("b64_json").asText());
            assertThat(named.path("data").get(0).has("warnings")).isFalse();
            assertThat(named.path("data").get(0).path("parameters").asText()).as("the embedding the prompt used, by its hash")
                    .contains("TI hashes: \"easy-style: " + com.mysticanvas.sd.model.ModelHashes.embedding(embedding) + "\"");
            assertThat(plain.path("data").get(0).path("parameters").asText()).doesNotContain("TI hashes");
            // An SDXL embedding does not fit this SD 1.x checkpoint: its name stays text, as in A1111.
            assertThat(otherFamily.path("data").get(0).path("b64_json").asText()).isNotEqualTo(image);

            JsonNode listed = Json.parse(get("/sdapi/v1/embeddings").body());
            assertThat(listed.path("loaded").path("easy-style").path("vectors").asInt()).isEqualTo(2);
            assertThat(listed.path("loaded").path("easy-style").path("shape").asInt()).isEqualTo(64);
            assertThat(Json.parse(get("/v1/models/embeddings").body()).path("data").findValuesAsText("id"))
                    .contains("easy-style.safetensors", "xl-style.safetensors");

            Path broken = Files.write(folder.resolve("broken.safetensors"), new byte[] {1, 2, 3});
            try {
                JsonNode warned = Json.parse(post("/v1/images/generations", body.formatted("easy-style")).body());
                assertThat(warned.path("data").get(0).path("warnings").get(0).asText())
                        .contains("embedding broken.safetensors was left out", "not a safetensors file");
                assertThat(warned.path("data").get(0).path("b64_json").asText()).isEqualTo(image);
                assertThat(Json.parse(get("/sdapi/v1/embeddings").body()).path("skipped").has("broken")).isTrue();
            } finally {
                Files.delete(broken);
            }
        } finally {
            Files.delete(embedding);
            Files.delete(xl);
        }
        // Without the file the same prompt is plain text again: another image.
        JsonNode without = Json.parse(post("/v1/images/generations",
                "{\"prompt\":\"a fox, easy-style\",\"size\":\"64x64\",\"steps\":1,\"seed\":5}").body());
        assertThat(without.path("data").get(0).path("b64_json").asText()).isNotEqualTo(image);
    }

    @Test
    void aClipSkipDeeperThanTheTextEncoderIsABadRequest() throws Exception {
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":1,\"clip_skip\":5}"),
                400, "clip_skip 5 is more than this text encoder's 2 layers");
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"clip_skip\":13}"), 400, "between 1 and 12");
    }

    @Test
    void loraKeysThatMatchNoLayerAreReportedWithTheImage() throws Exception {
        // The tiny LoRA's tensors plus one key of a layer this checkpoint does not have.
        List<com.mysticanvas.sd.safetensors.SafeTensorsWriter.Entry> entries = new ArrayList<>();
        try (com.mysticanvas.sd.safetensors.SafeTensors lora = com.mysticanvas.sd.safetensors.SafeTensors.open(TinyModels.lora())) {
            for (var t : lora.tensors().values()) {
                entries.add(com.mysticanvas.sd.safetensors.SafeTensorsWriter.floats(t.name(), t.dtype(), t.shape(), lora.floats(t)));
            }
        }
        entries.add(com.mysticanvas.sd.safetensors.SafeTensorsWriter.floats("lora_unet_output_blocks_99_1_proj_out.lora_down.weight",
                com.mysticanvas.sd.safetensors.DType.F32, new long[] {1, 4}, new float[4]));
        Path file = models.resolve("sd/loras/partly-matching.safetensors");
        com.mysticanvas.sd.safetensors.SafeTensorsWriter.write(file, entries, null);
        try {
            HttpResponse<String> r = post("/v1/images/generations",
                    "{\"prompt\":\"a fox <lora:partly-matching:0.7>\",\"size\":\"64x64\",\"steps\":1}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Json.parse(r.body()).path("data").get(0).path("warnings").get(0).asText())
                    .contains("partly-matching.safetensors", "1 key matches no layer", "lora_unet_output_blocks_99_1_proj_out");
            HttpResponse<String> clean = post("/v1/images/generations",
                    "{\"prompt\":\"a fox <lora:tiny-lora:0.7>\",\"size\":\"64x64\",\"steps\":1}");
            assertThat(Json.parse(clean.body()).path("data").get(0).has("warnings")).isFalse();
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void a1111HiresFixMakesTheLargerImageAndListsItsUpscalers() throws Exception {
        HttpResponse<String> r = post("/sdapi/v1/txt2img", """
                {"prompt":"a lighthouse","seed":3,"steps":2,"width":64,"height":64,"enable_hr":true,"hr_scale":1.5,
                 "hr_upscaler":"Latent (nearest-exact)","hr_second_pass_steps":3,"denoising_strength":0.6,
                 "hr_sampler_name":"Use same sampler","hr_scheduler":"Use same scheduler","hr_prompt":"",
                 "hr_negative_prompt":""}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = Json.parse(r.body());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(body.path("images").get(0).asText())));
        assertThat(List.of(png.getWidth(), png.getHeight())).containsExactly(96, 96);
        JsonNode info = Json.parse(body.path("info").asText());
        assertThat(info.path("denoising_strength").asDouble()).isEqualTo(0.6);
        assertThat(info.path("infotexts").get(0).asText()).contains("Size: 64x64", "Hires upscale: 1.5", "Hires steps: 3",
                "Hires upscaler: Latent (nearest-exact)");
        // The OpenAI route reads the same fields; img2img ignores them, as A1111 does.
        HttpResponse<String> openAi = post("/v1/images/generations",
                "{\"prompt\":\"a lighthouse\",\"size\":\"64x64\",\"steps\":2,\"enable_hr\":true,\"hr_upscaler\":\"Lanczos\"}");
        assertThat(openAi.statusCode()).as(openAi.body()).isEqualTo(200);
        assertThat(decode(Json.parse(openAi.body()).path("data").get(0).path("b64_json").asText()).getWidth()).isEqualTo(128);

        assertError(post("/sdapi/v1/txt2img", "{\"prompt\":\"x\",\"enable_hr\":true,\"hr_upscaler\":\"4x-Nope\"}"), 404,
                "upscaler '4x-Nope' not found in models/sd/upscalers");
        assertError(post("/sdapi/v1/txt2img", "{\"prompt\":\"x\",\"enable_hr\":true,\"hr_scale\":9}"), 400,
                "hires fix would make 4608x4608");
        // An upscaler model in hires fix: decoded, upscaled 4x by the model, Lanczos down to 2x, encoded
        HttpResponse<String> model = post("/sdapi/v1/txt2img", """
                {"prompt":"a lighthouse","seed":3,"steps":2,"width":64,"height":64,"enable_hr":true,
                 "hr_upscaler":"tiny-esrgan-4x","hr_second_pass_steps":2}""");
        assertThat(model.statusCode()).as(model.body()).isEqualTo(200);
        assertThat(decode(Json.parse(model.body()).path("images").get(0).asText()).getWidth()).isEqualTo(128);
        assertThat(Json.parse(Json.parse(model.body()).path("info").asText()).path("infotexts").get(0).asText())
                .contains("Hires upscaler: tiny-esrgan-4x");
        JsonNode upscalers = Json.parse(get("/sdapi/v1/upscalers").body());
        assertThat(upscalers.findValuesAsText("name")).containsExactly("None", "Lanczos", "Nearest", "tiny-compact-4x",
                "tiny-esrgan-4x");
        assertThat(upscalers.get(3).path("scale").asInt()).isEqualTo(4);
        assertThat(upscalers.get(3).path("model_path").asText()).isEqualTo("models/sd/upscalers/tiny-compact-4x.safetensors");
        assertThat(Json.parse(get("/sdapi/v1/latent-upscale-modes").body()).findValuesAsText("name"))
                .containsExactly("Latent", "Latent (bicubic)", "Latent (nearest)", "Latent (nearest-exact)", "Latent (antialiased)",
                        "Latent (bicubic antialiased)");
    }

    @Test
    void a1111ExtrasUpscaleAnImageByAFactorOrToASizeWithAModelOrABuiltIn() throws Exception {
        BufferedImage source = new BufferedImage(40, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) {
                source.setRGB(x, y, (x * 6) << 16 | (y * 10) << 8 | ((x + y) * 3));
            }
        }
        String b64 = Base64.getEncoder().encodeToString(png(source));
        HttpResponse<String> r = post("/sdapi/v1/extra-single-image", """
                {"image":"%s","resize_mode":0,"upscaling_resize":2,"upscaler_1":"tiny-compact-4x","upscaler_2":"None",
                 "extras_upscaler_2_visibility":0,"gfpgan_visibility":0,"codeformer_visibility":0}""".formatted(b64));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("html_info").asText()).isEqualTo(
                "<p>Postprocess upscale by: 2.0, Postprocess upscaler: tiny-compact-4x</p>");
        byte[] out = Base64.getDecoder().decode(body.path("image").asText());
        BufferedImage up = ImageIO.read(new ByteArrayInputStream(out));
        assertThat(List.of(up.getWidth(), up.getHeight())).containsExactly(80, 48);
        assertThat(Png.readText(out)).containsEntry("postprocessing", "Postprocess upscale by: 2.0, Postprocess upscaler: tiny-compact-4x");
        // the same as the model applied (4x) and Lanczos-resized to 2x, as A1111's Upscaler.upscale does
        try (var m = com.mysticanvas.sd.pipeline.UpscalerModel.load(models.resolve("sd/upscalers/tiny-compact-4x.safetensors"), 1)) {
            var direct = m.apply(rgb(source)).resized(80, 48);
            assertThat(pixels(up)).isEqualTo(pixels(image(direct)));
        }

        // To a size, centre-cropped; a second upscaler blended in; the sizes rounded down to multiples of 8 first
        HttpResponse<String> toSize = post("/sdapi/v1/extra-single-image", """
                {"image":"%s","resize_mode":1,"upscaling_resize_w":100,"upscaling_resize_h":60,"upscaling_crop":true,
                 "upscaler_1":"Lanczos","upscaler_2":"tiny-esrgan-4x","extras_upscaler_2_visibility":0.5}""".formatted(b64));
        assertThat(toSize.statusCode()).as(toSize.body()).isEqualTo(200);
        JsonNode sized = Json.parse(toSize.body());
        BufferedImage fitted = decode(sized.path("image").asText());
        assertThat(List.of(fitted.getWidth(), fitted.getHeight())).containsExactly(100, 60);
        assertThat(fitted.getRGB(0, 0) & 0xffffff).as("96x56 centred on 100x60: a black border").isZero();
        assertThat(sized.path("html_info").asText()).contains("Postprocess upscale to: 100x60",
                "Postprocess upscaler: Lanczos", "Postprocess upscaler 2: tiny-esrgan-4x");

        HttpResponse<String> batch = post("/sdapi/v1/extra-batch-images", """
                {"imageList":[{"data":"%s","name":"a.png"},{"data":"%s","name":"b.png"}],"upscaling_resize":1.5,
                 "upscaler_1":"Nearest"}""".formatted(b64, b64));
        assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
        assertThat(Json.parse(batch.body()).path("images")).hasSize(2);

        // A long upscale shows its tiles on /sdapi/v1/progress as it goes
        String big = Base64.getEncoder().encodeToString(png(new BufferedImage(600, 600, BufferedImage.TYPE_INT_RGB)));
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(() -> {
            try {
                return post("/sdapi/v1/extra-single-image", "{\"image\":\"" + big + "\",\"upscaler_1\":\"tiny-esrgan-4x\"}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        java.util.concurrent.atomic.AtomicBoolean seen = new java.util.concurrent.atomic.AtomicBoolean();
        awaitProgress(p -> {
            boolean extras = p.path("state").path("job").asText().equals("extras") && p.path("state").path("sampling_steps").asInt() == 16;
            seen.compareAndSet(false, extras);
            return extras || running.isDone();
        });
        assertThat(seen).as("the progress of an upscale of 16 tiles should show while it runs").isTrue();
        assertThat(running.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(Json.parse(get("/sdapi/v1/progress").body()).path("state").path("job").asText()).isEmpty();

        String none = post("/sdapi/v1/extra-single-image", "{\"image\":\"" + b64 + "\",\"upscaler_1\":\"None\"}").body();
        assertThat(decode(Json.parse(none).path("image").asText()).getWidth()).as("None keeps the image").isEqualTo(40);
        assertError(post("/sdapi/v1/extra-single-image", "{\"image\":\"" + b64 + "\",\"upscaler_1\":\"4x-Nope\"}"), 404,
                "upscaler '4x-Nope' not found in models/sd/upscalers");
        assertError(post("/sdapi/v1/extra-single-image", "{\"image\":\"" + b64 + "\",\"upscaler_1\":\"Latent\"}"), 400,
                "upscales latents");
        assertError(post("/sdapi/v1/extra-single-image", "{\"upscaler_1\":\"Lanczos\"}"), 400, "'image'");
        assertError(post("/sdapi/v1/extra-single-image", "{\"image\":\"" + b64 + "\",\"upscaler_1\":\"Lanczos\","
                + "\"upscaling_resize\":400}"), 400, "the limit is");
        assertError(post("/sdapi/v1/extra-single-image", "{\"image\":\"" + b64 + "\",\"upscaler_1\":\"../x.pth\"}"), 400,
                "not a path");
    }

    private static com.mysticanvas.sd.pipeline.RgbImage rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            int p = image.getRGB(i % w, i / w);
            rgb[3 * i] = (byte) (p >> 16);
            rgb[3 * i + 1] = (byte) (p >> 8);
            rgb[3 * i + 2] = (byte) p;
        }
        return new com.mysticanvas.sd.pipeline.RgbImage(rgb, w, h);
    }

    private static BufferedImage image(com.mysticanvas.sd.pipeline.RgbImage rgb) {
        BufferedImage out = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        byte[] b = rgb.rgb();
        for (int i = 0; i < rgb.width() * rgb.height(); i++) {
            out.setRGB(i % rgb.width(), i / rgb.width(), (b[3 * i] & 0xff) << 16 | (b[3 * i + 1] & 0xff) << 8 | (b[3 * i + 2] & 0xff));
        }
        return out;
    }

    @Test
    void a1111NoiseOptionsAndFieldsChooseTheGeneratorAndShowInTheInfotext() throws Exception {
        JsonNode options = Json.parse(get("/sdapi/v1/options").body());
        assertThat(options.path("randn_source").asText()).isEqualTo("GPU");
        assertThat(options.path("eta_noise_seed_delta").asLong()).isZero();
        String body = "{\"prompt\":\"a lamp\",\"seed\":9,\"steps\":2,\"width\":64,\"height\":64,\"sampler_name\":\"Euler a\"";
        JsonNode gpu = Json.parse(post("/sdapi/v1/txt2img", body + "}").body());
        JsonNode cpu = Json.parse(post("/sdapi/v1/txt2img", body + ",\"override_settings\":{\"randn_source\":\"CPU\"}}").body());
        String cpuInfo = Json.parse(cpu.path("info").asText()).path("infotexts").get(0).asText();
        assertThat(cpuInfo).contains("RNG: CPU");
        assertThat(Json.parse(gpu.path("info").asText()).path("infotexts").get(0).asText()).doesNotContain("RNG:");
        assertThat(cpu.path("images").get(0).asText()).isNotEqualTo(gpu.path("images").get(0).asText());
        JsonNode varied = Json.parse(post("/sdapi/v1/txt2img", body
                + ",\"subseed\":3,\"subseed_strength\":0.4,\"seed_resize_from_w\":96,\"seed_resize_from_h\":64}").body());
        assertThat(Json.parse(varied.path("info").asText()).path("infotexts").get(0).asText())
                .contains("Variation seed: 3", "Variation seed strength: 0.4", "Seed resize from: 96x64");
        try {
            // A default option, kept until changed: the same request now makes the CPU image, with ENSD written.
            assertThat(post("/sdapi/v1/options", "{\"randn_source\":\"CPU\"}").statusCode()).isEqualTo(200);
            JsonNode byOption = Json.parse(post("/sdapi/v1/txt2img", body + "}").body());
            assertThat(byOption.path("images").get(0).asText()).isEqualTo(cpu.path("images").get(0).asText());
            assertThat(post("/sdapi/v1/options", "{\"eta_noise_seed_delta\":31337}").statusCode()).isEqualTo(200);
            JsonNode ensd = Json.parse(post("/sdapi/v1/txt2img", body + "}").body());
            assertThat(Json.parse(ensd.path("info").asText()).path("infotexts").get(0).asText()).contains("ENSD: 31337");
            assertThat(ensd.path("images").get(0).asText()).as("Euler a's step noise moved").isNotEqualTo(cpu.path("images").get(0).asText());
            assertError(post("/sdapi/v1/options", "{\"randn_source\":\"quantum\"}"), 400, "rng");
            assertError(post("/sdapi/v1/options", "{\"eta_noise_seed_delta\":-1}"), 400, "eta_noise_seed_delta");
        } finally {
            post("/sdapi/v1/options", "{\"randn_source\":\"GPU\",\"eta_noise_seed_delta\":0}");
        }
        // Ours: the same field on the OpenAI route, with the generator and the drawn variation seed in each item.
        JsonNode item = Json.parse(post("/v1/images/generations",
                "{\"prompt\":\"a lamp\",\"size\":\"64x64\",\"steps\":1,\"n\":2,\"rng\":\"nv\",\"subseed_strength\":0.5}").body())
                .path("data").get(1);
        assertThat(item.path("rng").asText()).isEqualTo("nv");
        assertThat(item.path("subseed").asLong()).isNotNegative();
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"rng\":\"dice\"}"), 400, "rng");
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"subseed_strength\":2}"), 400, "subseed_strength");
    }

    @Test
    void a1111Img2imgWithMask() throws Exception {
        String source = generate("{\"prompt\":\"a field\",\"size\":\"64x64\",\"steps\":2,\"seed\":2}");
        String mask = Base64.getEncoder().encodeToString(whiteSquareMask(64, 64));
        HttpResponse<String> r = post("/sdapi/v1/img2img", Json.write(Json.object().put("prompt", "a field of flowers")
                .put("denoising_strength", 0.6).put("steps", 4).put("width", 64).put("height", 64).put("seed", 3)
                .put("mask", mask).set("init_images", Json.MAPPER.createArrayNode().add(source))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        BufferedImage out = decode(Json.parse(r.body()).path("images").get(0).asText());
        BufferedImage in = decode(source);
        assertThat(out.getRGB(0, 0)).as("outside the mask stays").isEqualTo(in.getRGB(0, 0));
        assertThat(Json.parse(Json.parse(r.body()).path("info").asText()).path("denoising_strength").asDouble()).isEqualTo(0.6);
    }

    @Test
    void a1111ListsAndOptionsSwitchTheCheckpoint() throws Exception {
        JsonNode models = Json.parse(get("/sdapi/v1/sd-models").body());
        assertThat(models).extracting(m -> m.path("title").asText()).contains("tiny-sd.safetensors", "tiny-copy.safetensors");
        assertThat(Json.parse(get("/sdapi/v1/loras").body()).get(0).path("name").asText()).isEqualTo("tiny-lora");
        assertThat(Json.parse(get("/sdapi/v1/samplers").body())).extracting(s -> s.path("name").asText())
                .contains("Euler a", "Euler", "DPM++ 2M", "DDIM", "LCM");
        try {
            assertThat(post("/sdapi/v1/options", "{\"sd_model_checkpoint\":\"tiny-copy.safetensors [0123abcd]\"}").statusCode()).isEqualTo(200);
            assertThat(Json.parse(get("/sdapi/v1/options").body()).path("sd_model_checkpoint").asText()).isEqualTo("tiny-copy.safetensors");
            assertThat(Json.parse(get("/health").body()).path("model").asText()).isEqualTo("tiny-copy.safetensors");
            assertThat(post("/sdapi/v1/options", "{\"sd_model_checkpoint\":\"nope\"}").statusCode()).isEqualTo(400);
        } finally {
            post("/sdapi/v1/options", "{\"sd_model_checkpoint\":\"tiny-sd\"}");
        }
    }

    @Test
    void progressShowsTheRunningJobAndInterruptStopsIt() throws Exception {
        CompletableFuture<HttpResponse<String>> running = HTTP.sendAsync(HttpRequest.newBuilder(uri("/sdapi/v1/txt2img"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow\",\"steps\":150,\"width\":256,\"height\":256}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode progress = null;
        for (int i = 0; i < 400 && (progress == null || progress.path("current_image").isNull()); i++) {
            Thread.sleep(25);
            progress = Json.parse(get("/sdapi/v1/progress").body());
        }
        assertThat(progress.path("state").path("sampling_step").asInt()).isPositive();
        assertThat(progress.path("state").path("sampling_steps").asInt()).isEqualTo(150);
        assertThat(progress.path("progress").asDouble()).isBetween(0.0, 1.0);
        assertThat(decode(progress.path("current_image").asText()).getWidth()).isEqualTo(256 / 8);
        JsonNode openAi = Json.parse(get("/v1/images/progress").body());
        assertThat(openAi.path("state").asText()).isEqualTo("running");

        // As in A1111: the image is finished from where it stood, and the client gets it.
        assertThat(post("/sdapi/v1/interrupt", "").statusCode()).isEqualTo(200);
        HttpResponse<String> stopped = running.get();
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
        assertThat(decode(Json.parse(stopped.body()).path("images").get(0).asText()).getWidth()).isEqualTo(256);
        assertThat(Json.parse(get("/v1/images/progress").body()).path("state").asText()).isEqualTo("idle");
    }

    @Test
    void a1111SkipFinishesTheImageAndGoesOnWithTheBatch() throws Exception {
        CompletableFuture<HttpResponse<String>> batch = HTTP.sendAsync(HttpRequest.newBuilder(uri("/sdapi/v1/txt2img"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"two\",\"steps\":150,\"width\":256,\"height\":256,\"n_iter\":2}")).build(),
                HttpResponse.BodyHandlers.ofString());
        awaitProgress(p -> p.path("state").path("job_no").asInt() == 0 && p.path("state").path("sampling_step").asInt() >= 1);
        assertThat(post("/sdapi/v1/skip", "").statusCode()).isEqualTo(200);
        awaitProgress(p -> p.path("state").path("job_no").asInt() == 1 && p.path("state").path("sampling_step").asInt() >= 1);
        assertThat(post("/sdapi/v1/interrupt", "").statusCode()).isEqualTo(200);
        HttpResponse<String> done = batch.get();
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(Json.parse(done.body()).path("images")).hasSize(2); // the skipped one and the interrupted one
    }

    private static void awaitProgress(java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode p = Json.parse(get("/sdapi/v1/progress?skip_current_image=true").body());
        while (!condition.test(p)) {
            assertThat(System.nanoTime()).as("progress never got there: %s", p).isLessThan(deadline);
            Thread.sleep(10);
            p = Json.parse(get("/sdapi/v1/progress?skip_current_image=true").body());
        }
    }

    @Test
    void theQueueIsBoundedAndQueuedJobsCanBeCancelledById() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            calls.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/images/generations"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"q\",\"steps\":150,\"size\":\"256x256\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long tooMany = 0;
        for (int i = 0; i < 200 && tooMany == 0; i++) {
            Thread.sleep(25);
            tooMany = calls.stream().filter(c -> c.isDone() && c.join().statusCode() == 429).count();
        }
        assertThat(tooMany).isPositive();
        assertThat(calls.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                .filter(c -> c.statusCode() == 429).findFirst().orElseThrow().body()).contains("waiting");
        // Drain: cancel the running job until nothing runs or waits (each cancelled job still ends its current
        // step, so a slow machine takes a while: wait for the drained state, not a number of polls).
        for (long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos(); System.nanoTime() < deadline; ) {
            JsonNode p = Json.parse(get("/v1/images/progress").body());
            if (p.path("job").isNull() && p.path("queued").asInt() == 0) {
                break;
            }
            if (!p.path("job").isNull()) {
                post("/v1/images/interrupt", Json.write(Json.object().put("job", p.path("job").asText())));
            }
            Thread.sleep(25);
        }
        JsonNode drained = Json.parse(get("/v1/images/progress").body());
        assertThat(drained.path("job").isNull() && drained.path("queued").asInt() == 0).as("drained: %s", drained).isTrue();
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            assertThat(c.get().statusCode()).isIn(409, 429);
        }
        assertThat(post("/v1/images/interrupt", "{\"job\":\"job-nope\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void badImageRequestsAre4xx() throws Exception {
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"64x64\",\"sampler\":\"heun++\"}"), 400, "sampler");
        assertError(post("/v1/images/edits", "{\"prompt\":\"x\",\"image\":\"not base64!!\"}"), 400, "base64");
        assertError(post("/v1/images/edits", "{\"prompt\":\"x\",\"image\":\"" + Base64.getEncoder().encodeToString("hello".getBytes()) + "\"}"),
                400, "image");
        assertError(post("/v1/images/edits", "{\"prompt\":\"x\",\"image\":\"" + Base64.getEncoder().encodeToString(hugePngHeader()) + "\"}"),
                413, "limit");
        String source = generate("{\"prompt\":\"a\",\"size\":\"64x64\",\"steps\":1,\"seed\":1}");
        assertError(post("/v1/images/edits", Json.write(Json.object().put("prompt", "x").put("image", source).put("size", "64x64")
                .put("mask", Base64.getEncoder().encodeToString(whiteSquareMask(32, 32))))), 400, "mask");
        assertError(post("/sdapi/v1/txt2img", "{\"prompt\":\"x\",\"width\":65}"), 400, "multiple of 8");
        assertError(post("/sdapi/v1/txt2img", "{\"prompt\":\"x\",\"sampler_name\":\"Nope\"}"), 400, "sampler");
        assertError(post("/sdapi/v1/img2img", "{\"prompt\":\"x\"}"), 400, "init_images");
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"loras\":[{\"name\":\"../x\"}]}"), 400, "name");
        assertError(post("/v1/images/generations", "{\"prompt\":\"x\",\"model\":\"../models/x.safetensors\"}"), 400, "'model'");
        assertThat(post("/v1/images/generations", "{\"prompt\":\"x\",\"model\":\"tiny-sd.safetensors\",\"size\":\"64x64\",\"steps\":1}")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void streamsStartWithTheOnePreambleAndFailuresEndWithTheOneErrorFrame() throws Exception {
        // A job that fails: its LoRA is only looked for when it runs.
        HttpResponse<InputStream> failing = stream("/v1/images/generations",
                "{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":1,\"stream\":true,\"loras\":[{\"name\":\"missing\"}]}");
        assertThat(failing.headers().firstValue("x-accel-buffering")).as("SseWriter.open's headers").hasValue("no");
        List<String[]> events = events(failing);
        String job = Json.parse(events.getFirst()[1]).path("job").asText();
        assertThat(events.getLast()[0]).isEqualTo("error");
        JsonNode error = Json.parse(events.getLast()[1]);
        assertThat(error.path("error").path("code").asText()).isEqualTo("not_found");
        assertThat(error.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("error").path("message").asText()).contains("missing");
        assertThat(error.path("job").asText()).isEqualTo(job);

        // A job cancelled while it runs: the cancel is told as HttpProblems.cancelled says.
        HttpResponse<InputStream> cancelled = stream("/v1/images/generations",
                "{\"prompt\":\"x\",\"size\":\"256x256\",\"steps\":150,\"stream\":true}");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(cancelled.body(), StandardCharsets.UTF_8))) {
            String id = Json.parse(awaitLine(in, l -> l.startsWith("data: "), Duration.ofSeconds(30)).substring(6))
                    .path("job").asText();
            awaitLine(in, l -> l.equals("event: progress"), Duration.ofSeconds(30));
            assertThat(post("/v1/images/interrupt", Json.write(Json.object().put("job", id))).statusCode()).isEqualTo(200);
            awaitLine(in, l -> l.equals("event: error"), Duration.ofSeconds(30));
            JsonNode frame = Json.parse(awaitLine(in, l -> l.startsWith("data: "), Duration.ofSeconds(5)).substring(6));
            assertThat(frame.path("error").path("code").asText()).isEqualTo("cancelled");
            assertThat(frame.path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(frame.path("job").asText()).isEqualTo(id);
        }
    }

    @Test
    void aStreamedJobWhoseClientLeftWhileItWaitedIsCancelledBeforeItRuns() throws Exception {
        // Hold the engine inside a job's first step, so the next job waits for as long as this test wants.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Consumer<ObjectNode> hold = e -> {
            if (e.path("state").asText().equals("running") && e.path("step").asInt() == 1 && held.getCount() > 0) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        jobs.addObserver(hold);
        ImageJob running = null;
        try {
            running = jobs.submit(OpenAiImageRequests.generation(Json.parseObject(
                    "{\"prompt\":\"hold\",\"size\":\"64x64\",\"steps\":3}")));
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();

            HttpResponse<InputStream> waiting = stream("/v1/images/generations",
                    "{\"prompt\":\"left\",\"size\":\"64x64\",\"steps\":2,\"stream\":true}");
            BufferedReader in = new BufferedReader(new InputStreamReader(waiting.body(), StandardCharsets.UTF_8));
            JsonNode queued = Json.parse(awaitLine(in, l -> l.startsWith("data: "), Duration.ofSeconds(30)).substring(6));
            assertThat(queued.path("position").asInt()).isEqualTo(1);
            // Nothing happens to a waiting job, yet its stream hears the keep-alive comment.
            awaitLine(in, l -> l.equals(": keep-alive"), SseWriter.KEEP_ALIVE.multipliedBy(3));
            waiting.body().close(); // the client leaves

            ImageJob left = jobs.find(queued.path("job").asText()).orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (left.state() != ImageJob.State.CANCELLED) {
                assertThat(System.nanoTime()).as("the left job is still %s", left.state()).isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(running.state()).as("noticed while it waited, not when it ran").isEqualTo(ImageJob.State.RUNNING);
            assertThat(jobs.waiting()).doesNotContain(left);
        } finally {
            jobs.removeObserver(hold);
            release.countDown();
            if (running != null) {
                jobs.cancel(running);
                running.result().handle((images, error) -> null).get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anIdleJobEventStreamHearsTheKeepAliveComment() throws Exception {
        HttpResponse<InputStream> events = HTTP.send(HttpRequest.newBuilder(uri("/v1/images/jobs/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        assertThat(events.headers().firstValue("x-accel-buffering")).as("SseWriter.open's headers").hasValue("no");
        try (InputStream body = events.body()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            assertThat(awaitLine(in, l -> !l.isEmpty(), Duration.ofSeconds(10))).isEqualTo(": image jobs");
            assertThat(awaitLine(in, l -> !l.isEmpty(), SseWriter.KEEP_ALIVE.multipliedBy(3))).isEqualTo(": keep-alive");
        }
    }

    // ---- helpers

    /** The next line of {@code in} that {@code wanted} accepts, read within {@code timeout}; fails the test otherwise. */
    private static String awaitLine(BufferedReader in, Predicate<String> wanted, Duration timeout) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                String l;
                while ((l = in.readLine()) != null) {
                    if (wanted.test(l)) {
                        return l;
                    }
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String found;
        try {
            found = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no such line within " + timeout);
        }
        assertThat(found).as("the stream ended first").isNotNull();
        return found;
    }

    private static HttpResponse<InputStream> stream(String path, String body) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        return r;
    }

    private static String generate(String body) throws Exception {
        HttpResponse<String> r = post("/v1/images/generations", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body()).path("data").get(0).path("b64_json").asText();
    }

    private static List<String[]> sse(String path, String body) throws Exception {
        return events(stream(path, body));
    }

    /** Every event of a stream to its end, as {name, data}. */
    private static List<String[]> events(HttpResponse<InputStream> r) throws Exception {
        List<String[]> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String event = "message";
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    events.add(new String[] {event, line.substring(6)});
                    event = "message";
                }
            }
        }
        return events;
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theJobEventStreamTellsEveryJobsStatesInOrderWhoeverSubmittedIt() throws Exception {
        HttpResponse<InputStream> events = HTTP.send(HttpRequest.newBuilder(uri("/v1/images/jobs/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).startsWith(":"); // listening: jobs from now on are heard
            // An A1111 client's job: nothing in its own answer streams, yet every state is on the event stream.
            CompletableFuture<HttpResponse<String>> a1111 = HTTP.sendAsync(HttpRequest.newBuilder(uri("/sdapi/v1/txt2img"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"a kite\",\"steps\":3,\"width\":64,\"height\":64}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            List<JsonNode> seen = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null && (seen.isEmpty() || !seen.getLast().path("state").asText().equals("done"))) {
                if (line.startsWith("data: ")) {
                    seen.add(Json.parse(line.substring(6)));
                }
            }
            assertThat(a1111.get().statusCode()).isEqualTo(200);
            assertThat(seen).extracting(e -> e.path("job").asText()).containsOnly(seen.getFirst().path("job").asText());
            assertThat(seen).extracting(e -> e.path("state").asText() + ":" + e.path("step").asInt())
                    .containsExactly("queued:0", "running:0", "running:1", "running:2", "running:3", "done:3");
            assertThat(seen.getFirst().path("position").asInt()).isEqualTo(1);
            assertThat(seen.getLast().path("progress").asDouble()).isEqualTo(1.0);
            assertThat(seen).noneMatch(e -> e.has("preview"));
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String text) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(Json.parse(r.body()).path("error").path("message").asText().toLowerCase()).contains(text.toLowerCase());
    }

    private static BufferedImage decode(String base64) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
    }

    private static BufferedImage decodeDataUrl(String url) throws Exception {
        assertThat(url).startsWith("data:image/png;base64,");
        return decode(url.substring(url.indexOf(',') + 1));
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static byte[] png(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** Black with a white square in the middle: repaint only there (A1111 convention). */
    private static byte[] whiteSquareMask(int w, int h) throws Exception {
        BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = h / 4; y < 3 * h / 4; y++) {
            for (int x = w / 4; x < 3 * w / 4; x++) {
                mask.setRGB(x, y, 0xFFFFFF);
            }
        }
        return png(mask);
    }

    /** Opaque everywhere but a transparent middle: OpenAI's "edit here" convention. */
    private static byte[] transparentMask(int w, int h) throws Exception {
        BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean middle = x >= w / 4 && x < 3 * w / 4 && y >= h / 4 && y < 3 * h / 4;
                mask.setRGB(x, y, middle ? 0x00000000 : 0xFF000000);
            }
        }
        return png(mask);
    }

    /** A PNG signature and IHDR claiming 100000x100000: must be refused before any pixel is allocated. */
    private static byte[] hugePngHeader() throws Exception {
        byte[] real = png(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        byte[] out = real.clone();
        java.nio.ByteBuffer.wrap(out, 16, 8).putInt(100_000).putInt(100_000);
        return out;
    }

    private record Part(String name, String filename, byte[] content) {}

    private static byte[] multipart(String boundary, List<Part> parts) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part p : parts) {
            out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name() + "\""
                    + (p.filename() == null ? "" : "; filename=\"" + p.filename() + "\"\r\nContent-Type: image/png")
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(p.content());
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
