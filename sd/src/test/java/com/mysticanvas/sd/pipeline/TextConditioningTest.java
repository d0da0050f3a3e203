package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.testing.TinyModels;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.util.Arrays;
import java.util.List;
import com.mysticanvas.sd.sampling.Sampler;
import org.junit.jupiter.api.Test;

/** How each family's conditioning is put together from the encoders' outputs (A1111's and sgm's layout). */
class TextConditioningTest {
    private static final ClipTokenizer TOKENIZER = ClipTokenizer.bundled();
    private static final TextConditioning.Prompts PROMPTS = prompts(java.util.Map.of());

    /** Prompts with textual-inversion embeddings: by name, per text encoder, their vectors. */
    private static TextConditioning.Prompts prompts(java.util.Map<String, List<float[]>> embeddings) {
        List<PromptChunks.Embedding> names = embeddings.entrySet().stream().map(e -> new PromptChunks.Embedding(e.getKey(),
                TOKENIZER.encode(e.getKey()), e.getValue().getFirst().length / 64)).toList();
        return new TextConditioning.Prompts() {
            @Override
            public PromptChunks of(String text) {
                return PromptChunks.of(TOKENIZER, text, names);
            }

            @Override
            public float[] embeddingVectors(String name, int encoder) {
                return embeddings.get(name).get(encoder);
            }
        };
    }

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
            TextConditioning.Conditioning c = prompt(model, r);
            TextConditioning.Conditioning u = negative(model, r);
            int[] window = PromptChunks.of(TOKENIZER, "a red fox").tokens().getFirst();
            float[][] l = model.encodeText(0, ids(window, ClipConfig.END), 1, "penultimate_raw");
            float[][] g = model.encodeText(1, ids(window, 0), 1, "penultimate_raw", "pooled");
            assertThat(c.tokens()).isEqualTo(77);
            for (int t = 0; t < 77; t++) {
                assertThat(Arrays.copyOfRange(c.context(), t * 128, t * 128 + 64)).as("ViT-L, token %d", t)
                        .containsExactly(Arrays.copyOfRange(l[0], t * 64, t * 64 + 64), within(1e-5f));
                assertThat(Arrays.copyOfRange(c.context(), t * 128 + 64, t * 128 + 128)).as("bigG, token %d", t)
                        .containsExactly(Arrays.copyOfRange(g[0], t * 64, t * 64 + 64), within(1e-5f));
            }
            assertThat(Arrays.copyOf(c.y(), 64)).containsExactly(g[1], within(1e-6f));
            assertThat(c.y()).hasSize(model.spec().unet().admChannels());
            assertThat(u.context()).containsOnly(0f);
            assertThat(Arrays.copyOf(u.y(), 64)).containsOnly(0f);
            assertThat(Arrays.copyOfRange(u.y(), 64, u.y().length)).containsExactly(
                    Arrays.copyOfRange(c.y(), 64, c.y().length));

            TextConditioning.Conditioning blurry = negative(model, r.toBuilder().negativePrompt("blurry").build());
            assertThat(blurry.context()).isNotEqualTo(new float[blurry.context().length]);
            assertThat(Arrays.copyOf(blurry.y(), 64)).isNotEqualTo(new float[64]);
        }
    }

    @Test
    void sd2PadsWithZeroAfterTheEndTokenAndUsesThePenultimateLayer() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint("tiny-sd2"), null, 1)) {
            GenerationRequest r = GenerationRequest.builder().prompt("a red fox").size(64, 64).clipSkip(2).build();
            TextConditioning.Conditioning c = prompt(model, r);
            int[] window = PromptChunks.of(TOKENIZER, "a red fox").tokens().getFirst();
            float[] zeroPadded = model.encodeText(0, ids(window, 0), 1, "penultimate")[0];
            float[] endPadded = model.encodeText(0, ids(window, ClipConfig.END), 1, "penultimate")[0];
            assertThat(c.context()).containsExactly(zeroPadded, within(1e-5f));
            assertThat(zeroPadded).isNotEqualTo(endPadded);
            assertThat(c.y()).isNull();
        }
    }

    @Test
    void sd1ClipSkipTwoTakesTheLayerBeforeTheLast() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint(), null, 1)) {
            GenerationRequest r = GenerationRequest.builder().prompt("a red fox").size(64, 64).build();
            int[] window = PromptChunks.of(TOKENIZER, "a red fox").tokens().getFirst();
            float[][] layers = model.encodeText(0, ids(window, ClipConfig.END), 1, "hidden", "penultimate");
            assertThat(prompt(model, r).context()).containsExactly(layers[0], within(1e-5f));
            assertThat(prompt(model, r.toBuilder().clipSkip(2).build()).context())
                    .containsExactly(layers[1], within(1e-5f));
        }
    }

    @Test
    void promptAndNegativeKeepTheirOwnWindowsAndEditedPromptsChangeOverTheSteps() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint(), null, 1)) {
            String longPrompt = String.join(", ", java.util.Collections.nCopies(40, "a red fox")); // over 75 tokens
            GenerationRequest r = GenerationRequest.builder().prompt(longPrompt).negativePrompt("blurry").size(64, 64)
                    .steps(10).build();
            java.util.Map<String, TextConditioning.Conditioning> cache = new java.util.HashMap<>();
            TextConditioning.Scheduled c = TextConditioning.schedule(model, PROMPTS, r, false, 0, cache);
            TextConditioning.Scheduled u = TextConditioning.schedule(model, PROMPTS, r, true, 0, cache);
            assertThat(c.at(0).tokens()).isEqualTo(3 * 77);
            assertThat(u.at(0).tokens()).as("not padded to the prompt's windows").isEqualTo(77);

            GenerationRequest edited = r.toBuilder().prompt("a [red:blue:4] fox").build();
            TextConditioning.Scheduled e = TextConditioning.schedule(model, PROMPTS, edited, false, 0, new java.util.HashMap<>());
            float[] red = prompt(model, edited.toBuilder().prompt("a red fox").build()).context();
            float[] blue = prompt(model, edited.toBuilder().prompt("a blue fox").build()).context();
            assertThat(e.at(4).context()).containsExactly(red);
            assertThat(e.at(5).context()).containsExactly(blue);

            // A1111 counts a second-order sampler's schedule over twice the steps (its total_steps): halfway is call 10.
            GenerationRequest heun = r.toBuilder().prompt("a [red:blue:0.5] fox").sampler(Sampler.HEUN).build();
            TextConditioning.Scheduled h = TextConditioning.schedule(model, PROMPTS, heun, false, 0, new java.util.HashMap<>());
            assertThat(h.at(10).context()).containsExactly(red);
            assertThat(h.at(11).context()).containsExactly(blue);
            // Hires fix's second pass counts on from the first: step 25 of a 20-step first pass is its 5th call.
            GenerationRequest second = r.toBuilder().prompt("a [red:blue:25] fox").build();
            TextConditioning.Scheduled s = TextConditioning.schedule(model, PROMPTS, second, false, 20, new java.util.HashMap<>());
            assertThat(s.at(5).context()).containsExactly(red);
            assertThat(s.at(6).context()).containsExactly(blue);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tiny-sd", "tiny-sdxl"})
    void anEmbeddingOfAWordsTokenVectorsConditionsAsThoseWordsDo(String stem) throws Exception {
        // An embedding whose vectors are the token embeddings of "red fox" stands for exactly those words: its
        // vectors replace the placeholders' token embeddings before the position embeddings, as in A1111.
        try (SdModel model = SdModel.load(TinyModels.root().resolve("sd/checkpoints/" + stem + ".safetensors"), null, 1);
             com.mysticanvas.sd.safetensors.SafeTensors st = com.mysticanvas.sd.safetensors.SafeTensors.open(
                     TinyModels.root().resolve("sd/checkpoints/" + stem + ".safetensors"))) {
            int[] words = TOKENIZER.encode("red fox");
            List<float[]> vectors = new java.util.ArrayList<>();
            for (var e : model.spec().textEncoders()) {
                String key = e.prefix() + (e.config().kind() == ClipConfig.Kind.OPENAI
                        ? "text_model.embeddings.token_embedding.weight" : "token_embedding.weight");
                float[] table = st.floats(key);
                int width = e.config().width();
                float[] v = new float[words.length * width];
                for (int j = 0; j < words.length; j++) {
                    System.arraycopy(table, words[j] * width, v, j * width, width);
                }
                vectors.add(v);
            }
            TextConditioning.Prompts withEmbedding = prompts(java.util.Map.of("fox-style", vectors));
            GenerationRequest named = GenerationRequest.builder().prompt("a (fox-style:1.2), sunset").size(64, 64).build();
            GenerationRequest spelled = named.toBuilder().prompt("a (red fox:1.2), sunset").build();
            PromptChunks chunks = withEmbedding.of(named.prompt());
            assertThat(chunks.fixes().getFirst()).hasSize(1);
            assertThat(chunks.fixes().getFirst().getFirst().position()).isEqualTo(2); // after the start token and "a"
            var viaEmbedding = TextConditioning.encode(model, withEmbedding, chunks, named, false, TextConditioning.AESTHETIC_SCORE);
            var viaWords = TextConditioning.encode(model, PROMPTS, PROMPTS.of(spelled.prompt()), spelled, false,
                    TextConditioning.AESTHETIC_SCORE);
            assertThat(viaEmbedding.context()).containsExactly(viaWords.context());
            if (viaWords.y() != null) {
                assertThat(viaEmbedding.y()).containsExactly(viaWords.y());
            }
            assertThat(viaEmbedding.context()).isNotEqualTo(prompt(model, named).context()); // the name as plain text
        }
    }

    private static TextConditioning.Conditioning prompt(SdModel model, GenerationRequest r) throws Exception {
        return TextConditioning.encode(model, PROMPTS, PROMPTS.of(r.prompt()), r, false, TextConditioning.AESTHETIC_SCORE);
    }

    private static TextConditioning.Conditioning negative(SdModel model, GenerationRequest r) throws Exception {
        return TextConditioning.encode(model, PROMPTS, PROMPTS.of(r.negativePrompt()), r, r.negativePrompt().isEmpty(),
                TextConditioning.NEGATIVE_AESTHETIC_SCORE);
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
