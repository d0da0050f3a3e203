package com.mysticanvas.sd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.sd.model.Prediction;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both APIs' bodies become the same typed request through the one builder, and a request's bounds are checked once,
 * against the worker's configured limits, when its job is submitted.
 */
class ImageRequestsTest {
    @TempDir
    Path models;

    private static ObjectNode body(String json) {
        return Json.parseObject(json);
    }

    @Test
    void bodiesThatSayNothingGetTheBuildersDefaultsThroughEitherApi() throws Exception {
        for (GenerationRequest r : new GenerationRequest[] {OpenAiImageRequests.generation(body("{\"prompt\":\"x\"}")),
                A1111Api.request(body("{\"prompt\":\"x\"}"), false)}) {
            GenerationRequest.Defaults d = GenerationRequest.DEFAULTS;
            assertThat(r.size()).isEqualTo(d.size());
            assertThat(r.steps()).isEqualTo(d.steps());
            assertThat(r.cfgScale()).isEqualTo(d.cfgScale());
            assertThat(r.sampler()).isEqualTo(d.sampler());
            assertThat(r.schedule()).isEqualTo(d.sampler().automaticSchedule());
            assertThat(r.batchCount()).isEqualTo(d.batchCount());
            assertThat(r.clipSkip()).isEqualTo(d.clipSkip());
            assertThat(r.init()).isNull();
            assertThat(r.seed()).as("-1 or none: random").isNotNegative();
        }
        String png = png(64, 64);
        assertThat(OpenAiImageRequests.edit(body("{\"prompt\":\"x\",\"image\":\"" + png + "\"}")).init().strength())
                .isEqualTo(GenerationRequest.DEFAULTS.strength());
        assertThat(A1111Api.request(body("{\"init_images\":[\"" + png + "\"]}"), true).init().strength())
                .isEqualTo(GenerationRequest.DEFAULTS.strength());
    }

    @Test
    void openAiBodiesReadTheirSizeAsImageSizeDoesAndA1111BodiesTheirWidthAndHeight() {
        assertThat(OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"size\":\"64x80\"}")).size())
                .isEqualTo(new ImageSize(64, 80));
        assertThat(OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"size\":\"64x80\",\"width\":96}")).size())
                .isEqualTo(new ImageSize(96, 80));
        assertThat(A1111Api.request(body("{\"width\":96,\"height\":128}"), false).size()).isEqualTo(new ImageSize(96, 128));
        assertThat(A1111Api.request(body("{\"size\":\"64x64\"}"), false).size()).isEqualTo(ImageSize.DEFAULT);
        assertThatThrownBy(() -> OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"size\":\"big\"}")))
                .isInstanceOf(Problem.class).hasMessageContaining("size must look like 512x512");
    }

    @Test
    void samplerAndScheduleComeTypedFromEitherApi() {
        GenerationRequest openAi = OpenAiImageRequests.generation(body(
                "{\"prompt\":\"x\",\"sampler\":\"dpmpp_2m\",\"scheduler\":\"karras\",\"seed\":7,\"n\":2}"));
        assertThat(openAi).extracting(GenerationRequest::sampler, GenerationRequest::schedule, GenerationRequest::seed,
                GenerationRequest::batchCount).containsExactly(Sampler.DPMPP_2M, Schedule.KARRAS, 7L, 2);
        GenerationRequest a1111 = A1111Api.request(body(
                "{\"sampler_name\":\"DPM++ 2M\",\"scheduler\":\"Karras\",\"batch_size\":2,\"n_iter\":3}"), false);
        assertThat(a1111).extracting(GenerationRequest::sampler, GenerationRequest::schedule, GenerationRequest::batchCount)
                .containsExactly(Sampler.DPMPP_2M, Schedule.KARRAS, 6);
        assertThat(A1111Api.request(body("{\"sampler_index\":\"Euler\",\"scheduler\":\"Automatic\"}"), false))
                .extracting(GenerationRequest::sampler, GenerationRequest::schedule)
                .containsExactly(Sampler.EULER, Schedule.DISCRETE);
        assertThatThrownBy(() -> OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"sampler\":\"heun++\"}")))
                .isInstanceOf(Problem.class).hasMessageContaining("unknown sampler");
        assertThatThrownBy(() -> A1111Api.request(body("{\"scheduler\":\"sideways\"}"), false))
                .isInstanceOf(Problem.class).hasMessageContaining("unknown scheduler");
    }

    @Test
    void etaIsReadFromEitherApiAndAbsentMeansEachSamplersDefault() {
        assertThat(OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"eta\":0.25}")).noise().eta()).isEqualTo(0.25);
        assertThat(A1111Api.request(body("{\"eta\":0}"), false).noise().eta()).isZero();
        assertThat(A1111Api.request(body("{}"), false).noise().eta()).isNull();
        assertThatThrownBy(() -> A1111Api.request(body("{\"eta\":\"high\"}"), false))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
    }

    @Test
    void predictionIsAutoUnlessARequestSaysEpsOrV() {
        assertThat(OpenAiImageRequests.generation(body("{\"prompt\":\"x\"}")).prediction()).isNull();
        assertThat(OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"prediction\":\"v\"}")).prediction())
                .isEqualTo(Prediction.V);
        assertThat(A1111Api.request(body("{\"override_settings\":{\"prediction\":\"eps\"}}"), false).prediction())
                .isEqualTo(Prediction.EPS);
        assertThat(A1111Api.request(body("{\"prediction\":\"auto\"}"), false).prediction()).isNull();
        assertThatThrownBy(() -> OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"prediction\":\"x0\"}")))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("prediction must be auto, eps or v");
    }

    @Test
    void anOpenAiModelThatLooksLikeAPathIsBadInput() {
        for (String model : new String[] {"../v1-5.safetensors", "/etc/passwd", "sub\\\\dir.safetensors", ".hidden"}) {
            assertThatThrownBy(() -> OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"model\":\"" + model + "\"}")))
                    .as(model)
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                    .hasMessageContaining("'model' must be a model's file name, not a path");
        }
        assertThat(OpenAiImageRequests.generation(body("{\"prompt\":\"x\",\"model\":\"v1-5.safetensors\"}")).prompt())
                .isEqualTo("x");
    }

    @Test
    void submitChecksTheConfiguredLimitsOnceBeforeAnythingElse() {
        Limits tight = new Limits(256, 10, 2, 100, 1, 0, 16, 64);
        try (SdEngine engine = new SdEngine(new ModelFolders(models), 1, SdModel.Memory.BALANCED, ClipTokenizer::bundled);
             ImageJobs jobs = new ImageJobs(engine, tight)) {
            Function<String, GenerationRequest> request = json -> OpenAiImageRequests.generation(body(json));
            assertBadInput(jobs, request.apply("{\"prompt\":\"x\",\"size\":\"264x64\",\"steps\":4}"), "between 64 and 256, got 264");
            assertBadInput(jobs, request.apply("{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":11}"),
                    "steps must be between 1 and 10, got 11");
            assertBadInput(jobs, request.apply("{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":4,\"n\":3}"), "between 1 and 2, got 3");
            assertBadInput(jobs, request.apply("{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":4,\"eta\":1.5}"),
                    "eta must be between 0 and 1, got 1.5");
            assertBadInput(jobs, request.apply("{\"prompt\":\"" + "x".repeat(101) + "\",\"size\":\"64x64\",\"steps\":4}"),
                    "longer than 100");
            // Within the limits it gets as far as the next check: there is no model to make it with.
            assertThatThrownBy(() -> jobs.submit(request.apply("{\"prompt\":\"x\",\"size\":\"256x256\",\"steps\":10,\"n\":2}")))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.NO_MODEL));
            assertThat(jobs.waiting()).isEmpty();
        }
    }

    private static void assertBadInput(ImageJobs jobs, GenerationRequest r, String message) {
        assertThatThrownBy(() -> jobs.submit(r))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining(message);
    }

    @Test
    void capabilitiesDescribeTheEnumsTheDefaultsAndTheGivenLimits() {
        JsonNode caps = ImageCapabilities.describe(new Limits(1024, 60, 4, 5000, 3, 0, 16, 64));
        assertThat(caps.path("samplers")).extracting(s -> s.path("id").asText())
                .containsExactly("euler", "euler_a", "heun", "dpm2", "dpm2_a", "lms", "dpmpp_2s_a", "dpmpp_sde", "dpmpp_2m",
                        "dpmpp_2m_sde", "dpmpp_3m_sde", "ipndm", "restart", "euler_cfg_pp", "euler_a_cfg_pp", "ddim",
                        "ddim_cfgpp", "plms", "unipc", "lcm", "tcd");
        assertThat(caps.path("samplers").get(1).path("title").asText()).isEqualTo(Sampler.EULER_A.a1111Label());
        assertThat(caps.path("samplers").get(1).path("aliases")).extracting(JsonNode::asText)
                .containsExactlyElementsOf(Sampler.EULER_A.aliases());
        assertThat(caps.path("schedules")).extracting(s -> s.path("id").asText() + "=" + s.path("title").asText())
                .containsExactly("automatic=Automatic", "discrete=Uniform", "karras=Karras", "exponential=Exponential",
                        "polyexponential=Polyexponential", "sgm_uniform=SGM Uniform", "kl_optimal=KL Optimal",
                        "align_your_steps=Align Your Steps", "simple=Simple", "normal=Normal", "ddim_uniform=DDIM", "beta=Beta");
        assertThat(caps.path("families")).extracting(f -> f.path("id").asText()).containsExactly("sd1", "sd2", "sdxl", "sdxl_refiner");
        assertThat(caps.path("families").get(2).path("sizes").get(0).asText()).isEqualTo("1024x1024");
        assertThat(caps.path("predictions")).extracting(JsonNode::asText).containsExactly("auto", "eps", "v");
        JsonNode defaults = caps.path("defaults");
        GenerationRequest plain = OpenAiImageRequests.generation(body("{\"prompt\":\"x\"}"));
        assertThat(defaults.path("width").asInt()).isEqualTo(plain.width());
        assertThat(defaults.path("height").asInt()).isEqualTo(plain.height());
        assertThat(defaults.path("steps").asInt()).isEqualTo(plain.steps());
        assertThat(defaults.path("cfg_scale").asDouble()).isEqualTo(plain.cfgScale());
        assertThat(defaults.path("sampler").asText()).isEqualTo(plain.sampler().id());
        assertThat(defaults.path("scheduler").asText()).isEqualTo(Schedule.AUTOMATIC_ID);
        assertThat(plain.schedule()).isEqualTo(plain.sampler().automaticSchedule());
        assertThat(defaults.path("n").asInt()).isEqualTo(plain.batchCount());
        assertThat(defaults.path("clip_skip").asInt()).isEqualTo(plain.clipSkip());
        assertThat(defaults.path("strength").asDouble()).isEqualTo(GenerationRequest.DEFAULTS.strength());
        assertThat(caps.path("limits")).isEqualTo(Json.parse("""
                {"minImageSide":64,"maxImageSide":1024,"sideMultiple":8,"maxSteps":60,"maxBatch":4,
                 "maxPromptChars":5000,"imageQueue":3}"""));
    }

    private static String png(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
