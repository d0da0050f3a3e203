package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.testing.TinyModels;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** How each family's conditioning is put together from the encoders' outputs (A1111's and sgm's layout). */
class TextConditioningTest {
    private static final ClipTokenizer TOKENIZER = ClipTokenizer.bundled();
    private static final TextConditioning.Prompts PROMPTS = text -> PromptChunks.of(TOKENIZER, text);

    @Test
    void sdxlVectorIsThePooledTextThenFourierEmbeddingsOfSizeCropAndTargetSize() {
        float[] pooled = {0.25f, -1f};
        float[] y = TextConditioning.vector(Family.SDXL, pooled, 1024, 768, 6f);
        assertThat(y).hasSize(2 + 6 * 256);
        assertThat(Arrays.copyOf(y, 2)).containsExactly(pooled);
        // number n, frequency i: cos at 2 + n*256 + i, sin at 2 + n*256 + 128 + i; frequency 64 is 10000^(-1/2) = 1/100
        float[] numbers = {1024, 768, 0, 0, 1024, 768};
        for (int n = 0; n < 6; n++) {
            int at = 2 + n * 256;
            assertThat(y[at]).as("cos(t) of number %d", n).isCloseTo((float) Math.cos(numbers[n]), within(1e-6f));
            assertThat(y[at + 128]).isCloseTo((float) Math.sin(numbers[n]), within(1e-6f));
            assertThat(y[at + 64]).isCloseTo((float) Math.cos(numbers[n] / 100.0), within(1e-5f));
            assertThat(y[at + 128 + 64]).isCloseTo((float) Math.sin(numbers[n] / 100.0), within(1e-5f));
        }
        float[] refiner = TextConditioning.vector(Family.SDXL_REFINER, pooled, 1024, 768, 2.5f);
        assertThat(refiner).hasSize(2 + 5 * 256);
        assertThat(refiner[2 + 4 * 256]).isCloseTo((float) Math.cos(2.5), within(1e-6f));
        assertThat(refiner[2 + 4 * 256 + 128]).isCloseTo((float) Math.sin(2.5), within(1e-6f));
    }

    @Test
    void sdxlContextIsViTLBesideBigGPenultimateAndAnEmptyNegativeIsZero() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint("tiny-sdxl"), null, 1)) {
            GenerationRequest r = GenerationRequest.builder().prompt("a red fox").size(64, 64).build();
            TextConditioning c = TextConditioning.of(model, PROMPTS, r, true);
            int[] window = PromptChunks.of(TOKENIZER, "a red fox").tokens().getFirst();
            float[][] l = model.encodeText(0, ids(window, ClipConfig.END), 1, "penultimate_raw");
            float[][] g = model.encodeText(1, ids(window, 0), 1, "penultimate_raw", "pooled");
            assertThat(c.tokens()).isEqualTo(77);
            for (int t = 0; t < 77; t++) {
                assertThat(Arrays.copyOfRange(c.cond(), t * 128, t * 128 + 64)).as("ViT-L, token %d", t)
                        .containsExactly(Arrays.copyOfRange(l[0], t * 64, t * 64 + 64), within(1e-5f));
                assertThat(Arrays.copyOfRange(c.cond(), t * 128 + 64, t * 128 + 128)).as("bigG, token %d", t)
                        .containsExactly(Arrays.copyOfRange(g[0], t * 64, t * 64 + 64), within(1e-5f));
            }
            assertThat(Arrays.copyOf(c.y(), 64)).containsExactly(g[1], within(1e-6f));
            assertThat(c.y()).hasSize(model.spec().unet().admChannels());
            assertThat(c.uncond()).containsOnly(0f);
            assertThat(Arrays.copyOf(c.yUncond(), 64)).containsOnly(0f);
            assertThat(Arrays.copyOfRange(c.yUncond(), 64, c.yUncond().length)).containsExactly(
                    Arrays.copyOfRange(c.y(), 64, c.y().length));

            TextConditioning negative = TextConditioning.of(model, PROMPTS, r.toBuilder().negativePrompt("blurry").build(), true);
            assertThat(negative.uncond()).isNotEqualTo(new float[negative.uncond().length]);
            assertThat(Arrays.copyOf(negative.yUncond(), 64)).isNotEqualTo(new float[64]);
        }
    }

    @Test
    void sd2PadsWithZeroAfterTheEndTokenAndUsesThePenultimateLayer() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint("tiny-sd2"), null, 1)) {
            GenerationRequest r = GenerationRequest.builder().prompt("a red fox").size(64, 64).clipSkip(2).build();
            TextConditioning c = TextConditioning.of(model, PROMPTS, r, false);
            int[] window = PromptChunks.of(TOKENIZER, "a red fox").tokens().getFirst();
            float[] zeroPadded = model.encodeText(0, ids(window, 0), 1, "penultimate")[0];
            float[] endPadded = model.encodeText(0, ids(window, ClipConfig.END), 1, "penultimate")[0];
            assertThat(c.cond()).containsExactly(zeroPadded, within(1e-5f));
            assertThat(zeroPadded).isNotEqualTo(endPadded);
            assertThat(c.y()).isNull();
            assertThat(c.uncond()).isNull();
        }
    }

    @Test
    void sd1ClipSkipTwoTakesTheLayerBeforeTheLast() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint(), null, 1)) {
            GenerationRequest r = GenerationRequest.builder().prompt("a red fox").size(64, 64).build();
            int[] window = PromptChunks.of(TOKENIZER, "a red fox").tokens().getFirst();
            float[][] layers = model.encodeText(0, ids(window, ClipConfig.END), 1, "hidden", "penultimate");
            assertThat(TextConditioning.of(model, PROMPTS, r, false).cond()).containsExactly(layers[0], within(1e-5f));
            assertThat(TextConditioning.of(model, PROMPTS, r.toBuilder().clipSkip(2).build(), false).cond())
                    .containsExactly(layers[1], within(1e-5f));
        }
    }

    /** One window's ids, what follows its end token set to {@code pad}. */
    private static long[] ids(int[] window, int pad) {
        long[] out = new long[window.length];
        boolean ended = false;
        for (int i = 0; i < window.length; i++) {
            out[i] = ended ? pad : window[i];
            ended |= window[i] == ClipConfig.END;
        }
        return out;
    }
}
