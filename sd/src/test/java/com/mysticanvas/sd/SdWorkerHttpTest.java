package com.mysticanvas.sd;

import com.mysticanvas.core.models.ModelFolders;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.http.HttpServers;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.sd.api.ImageJobs;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.testing.TinyModels;
import io.javalin.Javalin;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SD worker's routes over real HTTP on loopback, with the tiny models. */
class SdWorkerHttpTest {
    private static SdEngine engine;
    private static Javalin server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        ModelFolders files = new ModelFolders(TinyModels.root());
        engine = new SdEngine(files, 1, SdModel.Memory.BALANCED, ClipTokenizer::bundled);
        server = HttpServers.create("127.0.0.1", 0, HttpServers.DEFAULT_MAX_BODY_BYTES,
                c -> SdWorker.routes(c.routes, engine, files, Limits.DEFAULTS)).start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void listLoadGenerateUnload() throws Exception {
        JsonNode health = Json.parse(call("GET", "/health", null).body());
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("model").isNull()).isTrue();
        assertThat(call("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"64x64\"}").statusCode()).isEqualTo(503);

        JsonNode checkpoints = Json.parse(call("GET", "/v1/models/checkpoints", null).body());
        assertThat(checkpoints.path("object").asText()).isEqualTo("list");
        assertThat(checkpoints.path("data").get(0).path("id").asText()).isEqualTo("tiny-sd.safetensors");
        java.util.Map<String, String> families = new java.util.TreeMap<>();
        checkpoints.path("data").forEach(c -> families.put(c.path("id").asText(), c.path("family").asText(null)));
        assertThat(families).containsEntry("tiny-sd.safetensors", "sd1").containsEntry("tiny-sd2.safetensors", "sd2")
                .containsEntry("tiny-sdxl.safetensors", "sdxl").containsEntry("tiny-sdxl-refiner.safetensors", "sdxl_refiner");
        assertThat(Json.parse(call("GET", "/v1/models/loras", null).body()).path("data").get(0).path("id").asText())
                .isEqualTo("tiny-lora.safetensors");
        assertThat(Json.parse(call("GET", "/v1/models/vaes", null).body()).path("data").get(0).path("id").asText())
                .isEqualTo("tiny-vae.safetensors");

        HttpResponse<String> load = call("POST", "/v1/models/load", "{\"checkpoint\":\"tiny-sd.safetensors\",\"vae\":\"tiny-vae.safetensors\"}");
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
        health = Json.parse(call("GET", "/health", null).body());
        assertThat(health.path("model").asText()).isEqualTo("tiny-sd.safetensors");
        assertThat(health.path("vae").asText()).isEqualTo("tiny-vae.safetensors");

        HttpResponse<String> gen = call("POST", "/v1/images/generations",
                "{\"prompt\":\"a cat\",\"size\":\"64x80\",\"n\":2,\"steps\":2,\"seed\":3,\"loras\":[{\"name\":\"tiny-lora\",\"weight\":0.5}]}");
        assertThat(gen.statusCode()).as(gen.body()).isEqualTo(200);
        JsonNode data = Json.parse(gen.body()).path("data");
        assertThat(data.size()).isEqualTo(2);
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data.get(0).path("b64_json").asText())));
        assertThat(png.getWidth()).isEqualTo(64);
        assertThat(png.getHeight()).isEqualTo(80);
        assertThat(data.get(1).path("seed").asLong()).isEqualTo(4);

        assertThat(call("POST", "/v1/models/unload", null).statusCode()).isEqualTo(200);
        assertThat(Json.parse(call("GET", "/health", null).body()).path("model").isNull()).isTrue();
    }

    @Test
    void anSdxlCheckpointServesBothApisWithItsLoraAndRefusesAnotherFamilys() throws Exception {
        HttpResponse<String> load = call("POST", "/v1/models/load", "{\"checkpoint\":\"tiny-sdxl.safetensors\"}");
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
        assertThat(Json.parse(load.body()).path("family_id").asText()).isEqualTo("sdxl");
        try {
            HttpResponse<String> txt = call("POST", "/sdapi/v1/txt2img", """
                    {"prompt":"a cat <lora:tiny-sdxl-lora:0.8>","negative_prompt":"","width":64,"height":64,"steps":2,
                     "seed":9,"sampler_name":"DPM++ 2M","scheduler":"Karras"}""");
            assertThat(txt.statusCode()).as(txt.body()).isEqualTo(200);
            JsonNode answer = Json.parse(txt.body());
            String image = answer.path("images").get(0).asText();
            assertThat(Json.parse(answer.path("info").asText()).path("infotexts").get(0).asText())
                    .contains("Model: tiny-sdxl", "<lora:tiny-sdxl-lora:0.8>");
            HttpResponse<String> img = call("POST", "/sdapi/v1/img2img", "{\"prompt\":\"a cat\",\"init_images\":[\"" + image
                    + "\"],\"denoising_strength\":0.5,\"steps\":2,\"width\":64,\"height\":64}");
            assertThat(img.statusCode()).as(img.body()).isEqualTo(200);
            HttpResponse<String> v = call("POST", "/v1/images/generations",
                    "{\"prompt\":\"a cat\",\"size\":\"64x64\",\"steps\":2,\"prediction\":\"v\"}");
            assertThat(v.statusCode()).as(v.body()).isEqualTo(200);
            assertError(call("POST", "/v1/images/generations", "{\"prompt\":\"a cat\",\"size\":\"64x64\",\"prediction\":\"x0\"}"),
                    400, "prediction must be auto, eps or v");
            assertError(call("POST", "/sdapi/v1/txt2img", "{\"prompt\":\"a cat <lora:tiny-lora:1>\",\"width\":64,\"height\":64,\"steps\":2}"),
                    400, "this is a Stable Diffusion 1.x LoRA; the loaded checkpoint is Stable Diffusion XL");
        } finally {
            assertThat(call("POST", "/v1/models/unload", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void badRequestsAreClearClientErrors() throws Exception {
        assertError(call("POST", "/v1/models/load", "{\"checkpoint\":\"../../etc/passwd\"}"), 400, "not a file name");
        assertError(call("POST", "/v1/models/load", "{\"checkpoint\":\"/etc/passwd\"}"), 400, "not a file name");
        assertError(call("POST", "/v1/models/load", "{\"checkpoint\":\"missing.safetensors\"}"), 404, "missing");
        assertError(call("POST", "/v1/models/load", "{\"checkpoint\":"), 400, "malformed JSON");
        assertError(call("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"100000x100000\"}"), 400, "width");
        assertError(call("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"0x0\"}"), 400, "width");
        assertError(call("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"steps\":-3}"), 400, "steps");
        assertError(call("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"response_format\":\"url\"}"), 400, "b64_json");
        // A path where a model's file name belongs is refused, even though the worker uses its loaded checkpoint.
        assertError(call("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"model\":\"../../etc/passwd\"}"), 400,
                "'model' must be a model's file name, not a path");
        assertError(call("POST", "/v1/images/edits", "{\"prompt\":\"x\",\"model\":\"/etc/passwd\",\"image\":\"" + PNG_1X1 + "\"}"),
                400, "'model' must be a model's file name");
    }

    @Test
    void capabilitiesListWhatTheUiMayOfferFromTheirOwners() throws Exception {
        HttpResponse<String> r = call("GET", WorkerPaths.IMAGE_CAPABILITIES, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertThat(Json.parse(r.body())).isEqualTo(Json.parse(DEFAULT_CAPABILITIES));
    }

    /** {@code /v1/images/capabilities} for {@link Limits#DEFAULTS}. */
    static final String DEFAULT_CAPABILITIES = """
            {"samplers":[{"id":"euler","title":"Euler","aliases":["k_euler"]},
                         {"id":"euler_a","title":"Euler a","aliases":["k_euler_a","k_euler_ancestral"]},
                         {"id":"heun","title":"Heun","aliases":["k_heun"]},
                         {"id":"dpm2","title":"DPM2","aliases":["k_dpm_2"]},
                         {"id":"dpm2_a","title":"DPM2 a","aliases":["k_dpm_2_a"]},
                         {"id":"lms","title":"LMS","aliases":["k_lms"]},
                         {"id":"dpmpp_2s_a","title":"DPM++ 2S a","aliases":["k_dpmpp_2s_a"]},
                         {"id":"dpmpp_sde","title":"DPM++ SDE","aliases":["k_dpmpp_sde"]},
                         {"id":"dpmpp_2m","title":"DPM++ 2M","aliases":["k_dpmpp_2m"]},
                         {"id":"dpmpp_2m_sde","title":"DPM++ 2M SDE","aliases":["k_dpmpp_2m_sde"]},
                         {"id":"dpmpp_3m_sde","title":"DPM++ 3M SDE","aliases":["k_dpmpp_3m_sde"]},
                         {"id":"ipndm","title":"iPNDM","aliases":["ipndm"]},
                         {"id":"restart","title":"Restart","aliases":["restart"]},
                         {"id":"euler_cfg_pp","title":"Euler CFG++","aliases":["euler_cfg_pp"]},
                         {"id":"euler_a_cfg_pp","title":"Euler a CFG++","aliases":["euler_ancestral_cfg_pp"]},
                         {"id":"ddim","title":"DDIM","aliases":["ddim"]},
                         {"id":"ddim_cfgpp","title":"DDIM CFG++","aliases":["ddim_cfgpp"]},
                         {"id":"plms","title":"PLMS","aliases":["plms"]},
                         {"id":"unipc","title":"UniPC","aliases":["unipc"]},
                         {"id":"lcm","title":"LCM","aliases":["k_lcm"]},
                         {"id":"tcd","title":"TCD","aliases":["tcd"]}],
             "schedules":[{"id":"automatic","title":"Automatic"},{"id":"discrete","title":"Uniform"},
                          {"id":"karras","title":"Karras"},{"id":"exponential","title":"Exponential"},
                          {"id":"polyexponential","title":"Polyexponential"},{"id":"sgm_uniform","title":"SGM Uniform"},
                          {"id":"kl_optimal","title":"KL Optimal"},{"id":"align_your_steps","title":"Align Your Steps"},
                          {"id":"simple","title":"Simple"},{"id":"normal","title":"Normal"},
                          {"id":"ddim_uniform","title":"DDIM"},{"id":"beta","title":"Beta"}],
             "rngs":[{"id":"gpu","title":"GPU"},{"id":"cpu","title":"CPU"},{"id":"nv","title":"NV"},
                     {"id":"mysticanvas","title":"MystiCanvas"}],
             "upscalers":[{"id":"Latent","title":"Latent","latent":true},
                          {"id":"Latent (bicubic)","title":"Latent (bicubic)","latent":true},
                          {"id":"Latent (nearest)","title":"Latent (nearest)","latent":true},
                          {"id":"Latent (nearest-exact)","title":"Latent (nearest-exact)","latent":true},
                          {"id":"Latent (antialiased)","title":"Latent (antialiased)","latent":true},
                          {"id":"Latent (bicubic antialiased)","title":"Latent (bicubic antialiased)","latent":true},
                          {"id":"Lanczos","title":"Lanczos","latent":false},{"id":"Nearest","title":"Nearest","latent":false}],
             "families":[{"id":"sd1","title":"Stable Diffusion 1.x",
                          "sizes":["512x512","512x768","768x512","640x640","768x768"]},
                         {"id":"sd2","title":"Stable Diffusion 2.x",
                          "sizes":["768x768","512x512","640x896","896x640","768x1024","1024x768"]},
                         {"id":"sdxl","title":"Stable Diffusion XL",
                          "sizes":["1024x1024","1152x896","896x1152","1216x832","832x1216","1344x768","768x1344",
                                   "1536x640","640x1536"]},
                         {"id":"sdxl_refiner","title":"Stable Diffusion XL refiner",
                          "sizes":["1024x1024","1152x896","896x1152","1216x832","832x1216","1344x768","768x1344",
                                   "1536x640","640x1536"]}],
             "predictions":["auto","eps","v"],
             "defaults":{"width":512,"height":512,"steps":20,"cfg_scale":7.0,"sampler":"euler_a","scheduler":"automatic",
                         "n":1,"strength":0.75,"clip_skip":1,"rng":"gpu","hr_upscaler":"Latent","hr_scale":2.0,
                         "hr_second_pass_steps":0,"denoising_strength":0.7},
             "limits":{"minImageSide":64,"maxImageSide":2048,"sideMultiple":8,"maxSteps":150,"maxBatch":16,
                       "maxPromptChars":20000,"imageQueue":8}}""";

    @Test
    void capabilitiesFollowTheWorkersLimits() throws Exception {
        Limits custom = new Limits(768, 40, 3, 1000, 2, 0, 16, 64);
        ModelFolders files = new ModelFolders(TinyModels.root());
        AtomicReference<ImageJobs> jobs = new AtomicReference<>();
        Javalin other = HttpServers.create("127.0.0.1", 0, HttpServers.DEFAULT_MAX_BODY_BYTES,
                c -> jobs.set(SdWorker.routes(c.routes, engine, files, custom))).start();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + other.port() + WorkerPaths.IMAGE_CAPABILITIES)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode caps = Json.parse(r.body());
            assertThat(caps.path("limits")).isEqualTo(Json.parse("""
                    {"minImageSide":64,"maxImageSide":768,"sideMultiple":8,"maxSteps":40,"maxBatch":3,
                     "maxPromptChars":1000,"imageQueue":2}"""));
            JsonNode expected = Json.parse(DEFAULT_CAPABILITIES);
            for (String same : new String[] {"samplers", "schedules", "rngs", "upscalers", "families", "predictions", "defaults"}) {
                assertThat(caps.path(same)).as(same).isEqualTo(expected.path(same));
            }
        } finally {
            other.stop();
            jobs.get().close();
        }
    }

    /** A 1x1 PNG, base64. */
    private static final String PNG_1X1 =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    private static void assertError(HttpResponse<String> r, int status, String text) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(Json.parse(r.body()).path("error").path("message").asText()).contains(text);
    }
}
