package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.testing.TinyModels;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hires fix end to end on the tiny checkpoint: the first pass, the upscale, the second pass as img2img at the new
 * size with the same seed's noise there, progress over both passes and A1111's infotext.
 */
class HiresFixTest {
    private static SdModel model;
    private static final SdPipeline PIPELINE = new SdPipeline(ClipTokenizer::bundled, name -> TinyModels.root().resolve("sd/loras").resolve(name));

    @BeforeAll
    static void load() throws Exception {
        model = SdModel.load(TinyModels.checkpoint(), null, 1);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    private static GenerationRequest.Builder first() {
        return GenerationRequest.builder().prompt("a photo of a cat").negativePrompt("blurry").size(64, 64).steps(4)
                .sampler(Sampler.EULER_A).seed(7);
    }

    private static HiresFix hires(Upscaler upscaler, double scale, int resizeX, int resizeY) {
        return new HiresFix(upscaler, scale, resizeX, resizeY, 4, 0.5, null, null, null, null, null);
    }

    private static RgbImage image(GenerationRequest r, ProgressListener progress) throws Exception {
        List<GeneratedImage> images = PIPELINE.generate(model, r, progress);
        assertThat(images).hasSize(1);
        return images.getFirst().pixels();
    }

    @Test
    void aPixelUpscaleIsTheFirstImageResizedThenImg2imgAtTheNewSizeWithTheSameSeed() throws Exception {
        RgbImage hires = image(first().hires(hires(Upscaler.NEAREST, 2, 0, 0)).build(), ProgressListener.NONE);
        assertThat(List.of(hires.width(), hires.height())).containsExactly(128, 128);

        // The same thing by hand, through the plain txt2img and img2img paths.
        RgbImage low = image(first().build(), ProgressListener.NONE);
        RgbImage resized = Upscaler.NEAREST.resizeImage(low, 128, 128);
        RgbImage img2img = image(first().size(128, 128).init(resized, 0.5, null).build(), ProgressListener.NONE);
        assertThat(hires.rgb()).isEqualTo(img2img.rgb());
    }

    @Test
    void aLatentUpscaleCutsOutTheAskedSizeAndProgressRunsOverBothPasses() throws Exception {
        List<Integer> steps = new ArrayList<>();
        List<Integer> totals = new ArrayList<>();
        GenerationRequest r = first().hires(hires(Upscaler.LATENT, 2, 128, 96)).build();
        GeneratedImage made = PIPELINE.generate(model, r, (image, images, step, of, preview) -> {
            steps.add(step);
            totals.add(of);
            return true;
        }).getFirst();
        assertThat(List.of(made.pixels().width(), made.pixels().height())).containsExactly(128, 96);
        // 4 first-pass steps, then strength 0.5 of 4: int(0.5 * 4) + 1 = 3 second-pass steps.
        assertThat(steps).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(totals).containsOnly(7);
        assertThat(made.parameters()).contains("Size: 64x64", "Denoising strength: 0.5", "Hires resize: 128x96",
                "Hires upscaler: Latent").doesNotContain("Hires steps", "Hires prompt", "Hires sampler");

        RgbImage bicubic = image(first().hires(hires(Upscaler.LATENT_BICUBIC, 2, 128, 96)).build(), ProgressListener.NONE);
        assertThat(bicubic.rgb()).as("another latent mode, another image").isNotEqualTo(made.pixels().rgb());
    }

    @Test
    void theSecondPassHasItsOwnPromptStepsAndSampler() throws Exception {
        GenerationRequest same = first().hires(hires(Upscaler.LATENT, 1.5, 0, 0)).build();
        GenerationRequest own = first().hires(new HiresFix(Upscaler.LATENT, 1.5, 0, 0, 6, 0.5, "a photo of a dog", "",
                List.of(), Sampler.DPMPP_2M, null)).build();
        GeneratedImage made = PIPELINE.generate(model, own, ProgressListener.NONE).getFirst();
        assertThat(made.pixels().width()).isEqualTo(96);
        assertThat(made.pixels().rgb()).isNotEqualTo(image(same, ProgressListener.NONE).rgb());
        assertThat(made.parameters()).contains("Hires upscale: 1.5", "Hires steps: 6", "Hires prompt: a photo of a dog",
                "Hires sampler: DPM++ 2M", "Hires schedule type: Karras");
    }

    @Test
    void stoppingInTheFirstPassGivesItsImageAndInTheSecondFinishesTheLargeOne() throws Exception {
        GenerationRequest r = first().hires(hires(Upscaler.LATENT, 2, 0, 0)).build();
        RgbImage stoppedEarly = image(r, stopAt(2));
        assertThat(stoppedEarly.width()).as("no second pass").isEqualTo(64);
        RgbImage stoppedLate = image(r, stopAt(6));
        assertThat(stoppedLate.width()).isEqualTo(128);
        assertThat(stoppedLate.rgb()).isNotEqualTo(image(r, ProgressListener.NONE).rgb());
    }

    /** An A1111 interrupt after step {@code step} (of both passes). */
    private static ProgressListener stopAt(int step) {
        return new ProgressListener() {
            @Override
            public boolean onStep(int image, int images, int s, int steps, Supplier<byte[]> preview) {
                return s < step;
            }

            @Override
            public Stop stop() {
                return Stop.INTERRUPT;
            }
        };
    }
}
