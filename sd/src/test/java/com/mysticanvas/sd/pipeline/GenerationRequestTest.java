package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The typed request: its one set of defaults, names parsed when built, and the one check of its bounds. */
class GenerationRequestTest {
    /** Small enough that every bound is met well before the hard ones. */
    private static final Limits TIGHT = new Limits(256, 10, 2, 100, 1, 0, 16, 64);

    private static GenerationRequest.Builder valid() {
        return GenerationRequest.builder().prompt("a cat").size(64, 64).steps(4).seed(1);
    }

    @Test
    void theBuilderStartsAtTodaysDefaults() {
        GenerationRequest r = GenerationRequest.builder().build();
        assertThat(r.size()).isEqualTo(new ImageSize(512, 512)).isEqualTo(GenerationRequest.DEFAULTS.size());
        assertThat(r.steps()).isEqualTo(20).isEqualTo(GenerationRequest.DEFAULTS.steps());
        assertThat(r.cfgScale()).isEqualTo(7f).isEqualTo(GenerationRequest.DEFAULTS.cfgScale());
        assertThat(r.sampler()).isEqualTo(Sampler.EULER_A).isEqualTo(GenerationRequest.DEFAULTS.sampler());
        assertThat(r.schedule()).isEqualTo(Schedule.DISCRETE).isEqualTo(GenerationRequest.DEFAULTS.sampler().automaticSchedule());
        assertThat(r.batchCount()).isEqualTo(1).isEqualTo(GenerationRequest.DEFAULTS.batchCount());
        assertThat(r.clipSkip()).isEqualTo(1).isEqualTo(GenerationRequest.DEFAULTS.clipSkip());
        assertThat(GenerationRequest.DEFAULTS.strength()).isEqualTo(0.75);
        assertThat(r.prompt()).isEmpty();
        assertThat(r.negativePrompt()).isEmpty();
        assertThat(r.loras()).isEmpty();
        assertThat(r.init()).isNull();
    }

    @Test
    void samplerAndScheduleNamesAreParsedWhenTheRequestIsBuilt() {
        GenerationRequest.Builder b = GenerationRequest.builder();
        assertThat(b.sampler("DPM++ 2M").schedule("Karras").build())
                .extracting(GenerationRequest::sampler, GenerationRequest::schedule)
                .containsExactly(Sampler.DPMPP_2M, Schedule.KARRAS);
        assertThat(b.sampler((String) null).schedule((String) null).build().sampler())
                .as("a name left out keeps what was set").isEqualTo(Sampler.DPMPP_2M);
        assertThatThrownBy(() -> GenerationRequest.builder().sampler("heun++"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("unknown sampler 'heun++'");
        assertThatThrownBy(() -> GenerationRequest.builder().schedule("sideways"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("unknown scheduler 'sideways'");
    }

    @Test
    void aNegativeSeedIsDrawnAtRandomAndAGivenOneKept() {
        assertThat(valid().seed(42).build().seed()).isEqualTo(42);
        for (int i = 0; i < 20; i++) {
            assertThat(valid().seed(-1).build().seed()).isBetween(0L, (1L << 32) - 1);
        }
    }

    @Test
    void automaticIsEachSamplersOwnScheduleAndOldCombinedNamesAreSplit() {
        GenerationRequest.Builder b = GenerationRequest.builder().prompt("x");
        assertThat(b.sampler("DPM++ 2M").build().schedule()).isEqualTo(Schedule.KARRAS); // A1111 1.9+: its own default
        assertThat(b.sampler("DPM++ 2M").schedule("Automatic").build().schedule()).isEqualTo(Schedule.KARRAS);
        assertThat(b.sampler("DPM++ 2M").schedule("Uniform").build().schedule()).isEqualTo(Schedule.DISCRETE);
        assertThat(GenerationRequest.builder().sampler("Euler a").schedule("Automatic").build().schedule())
                .isEqualTo(Schedule.DISCRETE);
        assertThat(GenerationRequest.builder().build()).extracting(GenerationRequest::sampler, GenerationRequest::schedule)
                .containsExactly(GenerationRequest.DEFAULTS.sampler(), GenerationRequest.DEFAULTS.sampler().automaticSchedule());
        // as A1111 splits them: the schedule in the name wins over the request's scheduler
        GenerationRequest combined = GenerationRequest.builder().sampler("DPM++ 2M Karras").schedule("Uniform").build();
        assertThat(combined).extracting(GenerationRequest::sampler, GenerationRequest::schedule)
                .containsExactly(Sampler.DPMPP_2M, Schedule.KARRAS);
        assertThat(GenerationRequest.builder().sampler("euler_a karras").build())
                .extracting(GenerationRequest::sampler, GenerationRequest::schedule)
                .containsExactly(Sampler.EULER_A, Schedule.KARRAS);
        assertThat(GenerationRequest.builder().sampler("Euler a").build().sampler()).isEqualTo(Sampler.EULER_A);
    }

    @Test
    void toBuilderMakesTheSameRequestToChangeOneField() {
        RgbImage image = new RgbImage(new byte[64 * 64 * 3], 64, 64);
        GenerationRequest r = valid().negativePrompt("blurry").cfgScale(5.5).sampler(Sampler.LCM)
                .schedule(Schedule.KARRAS).batchCount(2).clipSkip(2).init(image, 0.5, null)
                .loras(List.of(new GenerationRequest.LoraWeight("l", 0.5f))).rng("CPU").variation(-1, 0.25, 512, 768, 31337)
                .build();
        assertThat(r.noise().subseed()).as("a random variation seed, drawn once").isNotNegative();
        assertThat(r.toBuilder().build()).isEqualTo(r);
        assertThat(r.toBuilder().steps(9).build()).isEqualTo(new GenerationRequest(r.prompt(), r.negativePrompt(),
                r.size(), 9, r.cfgScale(), r.sampler(), r.schedule(), r.seed(), r.batchCount(), r.loras(), r.init(),
                r.clipSkip(), r.prediction(), r.noise(), null));
    }

    @Test
    void validateNamesTheFirstFieldOutsideTheGivenLimits() {
        assertThatCode(() -> valid().build().validate(TIGHT)).doesNotThrowAnyException();
        RgbImage image = new RgbImage(new byte[64 * 64 * 3], 64, 64);
        RgbImage smallMask = new RgbImage(new byte[32 * 32 * 3], 32, 32);
        List<Case> cases = List.of(
                new Case(b -> b.size(264, 64), "width must be a multiple of 8 between 64 and 256, got 264"),
                new Case(b -> b.size(64, 60), "height must be a multiple of 8 between 64 and 256, got 60"),
                new Case(b -> b.size(0, 0), "width must be a multiple of 8 between 64 and 256, got 0"),
                new Case(b -> b.steps(11), "steps must be between 1 and 10, got 11"),
                new Case(b -> b.steps(0), "steps must be between 1 and 10, got 0"),
                new Case(b -> b.cfgScale(31), "cfg_scale must be between 0 and 30"),
                new Case(b -> b.batchCount(3), "n (batch count) must be between 1 and 2, got 3"),
                new Case(b -> b.batchCount(0), "n (batch count) must be between 1 and 2, got 0"),
                new Case(b -> b.prompt("x".repeat(101)), "prompt is longer than 100 characters"),
                new Case(b -> b.negativePrompt("x".repeat(101)), "negative_prompt is longer than 100 characters"),
                new Case(b -> b.clipSkip(13), "clip_skip must be between 1 and 12, got 13"),
                new Case(b -> b.init(image, 1.5, null), "strength must be between 0 and 1, got 1.5"),
                new Case(b -> b.init(image, Double.NaN, null), "strength must be between 0 and 1, got NaN"),
                new Case(b -> b.init(image, 0.5, smallMask), "mask is 32x32 but the image is 64x64"),
                new Case(b -> b.hires(latent(8, 0, 0, 0)), "hires fix would make 512x512, larger than the largest side allowed, 256"),
                new Case(b -> b.size(128, 64).hires(latent(1, 100, 40, 0)), "hires fix would make 96x40; both sides must be at least 64"),
                new Case(b -> b.hires(latent(2, 0, 0, 11)), "hr_second_pass_steps must be between 0 (the first pass's) and 10, got 11"),
                new Case(b -> b.hires(new HiresFix(Upscaler.LATENT, 2, 0, 0, 0, 1.5, null, null, null, null, null)),
                        "denoising_strength must be between 0 and 1, got 1.5"),
                new Case(b -> b.init(image, 0.5, null).hires(latent(2, 0, 0, 0)), "hires fix is for txt2img"));
        for (Case c : cases) {
            GenerationRequest r = c.change().apply(valid()).build();
            assertThatThrownBy(() -> r.validate(TIGHT)).as(c.message())
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                    .hasMessageContaining(c.message());
        }
        // The same requests within the defaults' wider bounds.
        assertThatCode(() -> valid().size(264, 64).steps(11).batchCount(3).build().validate(Limits.DEFAULTS))
                .doesNotThrowAnyException();
    }

    private static HiresFix latent(double scale, int resizeX, int resizeY, int steps) {
        return new HiresFix(Upscaler.LATENT, scale, resizeX, resizeY, steps, 0.5, null, null, null, null, null);
    }

    @Test
    void hiresFixTakesWhatItLeavesOutFromTheFirstPassAsA1111Does() {
        GenerationRequest.LoraWeight lora = new GenerationRequest.LoraWeight("l", 0.5f);
        GenerationRequest r = valid().negativePrompt("blurry").sampler(Sampler.EULER).loras(List.of(lora))
                .hires(new HiresFix(Upscaler.LANCZOS, 2, 0, 0, 0, 0.6, "", null, List.of(), Sampler.DPMPP_2M, null)).build();
        HiresFix h = r.hires();
        assertThat(h.steps()).as("0: the first pass's").isEqualTo(4);
        assertThat(h.prompt()).isEqualTo("a cat");
        assertThat(h.negativePrompt()).isEqualTo("blurry");
        assertThat(h.loras()).as("an empty hires prompt keeps the prompt's LoRAs").containsExactly(lora);
        assertThat(h.schedule()).as("an Automatic first pass: the hires sampler's own").isEqualTo(Schedule.KARRAS);
        GenerationRequest second = r.secondPass();
        assertThat(second.size()).isEqualTo(new ImageSize(128, 128));
        assertThat(List.of(second.seed(), (long) second.steps())).containsExactly(1L, 4L);
        assertThat(second.sampler()).isEqualTo(Sampler.DPMPP_2M);
        assertThat(second.hires()).isNull();
        assertThat(second.init()).isNull();

        GenerationRequest own = valid().sampler("Euler Exponential")
                .hires(new HiresFix(Upscaler.LATENT, 1.5, 0, 0, 6, 0.5, "a dog <x>", "", List.of(), null, null)).build();
        assertThat(own.hires().schedule()).as("the first pass's schedule, as named").isEqualTo(Schedule.EXPONENTIAL);
        assertThat(own.hires().sampler()).isEqualTo(Sampler.EULER);
        assertThat(own.hires().prompt()).isEqualTo("a dog <x>");
        assertThat(own.hires().loras()).as("a hires prompt of its own has its own LoRAs").isEmpty();
        assertThat(own.secondPass().size()).isEqualTo(new ImageSize(96, 96));
        assertThat(valid().build().secondPass()).isNull();
    }

    private record Case(UnaryOperator<GenerationRequest.Builder> change, String message) {}
}
