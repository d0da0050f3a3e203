package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OrtException;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the UNet is conditioned on, made from a prompt pair as A1111 makes it for each family:
 * <ul>
 *   <li>SD 1.x: CLIP ViT-L's last layer, or with clip skip 2 the one before it, final-normed.</li>
 *   <li>SD 2.x: OpenCLIP ViT-H's penultimate layer, final-normed (ldm's {@code layer="penultimate"}); windows
 *       padded with 0 after their end token.</li>
 *   <li>SDXL: the penultimate layers of ViT-L and bigG, not normed, concatenated on the width (768 + 1280);
 *       {@code y} = bigG's pooled embedding of the first window (its final-normed end token through
 *       {@code text_projection}) followed by 256-wide Fourier embeddings of the original size (h, w), the crop's top
 *       left (0, 0) and the target size (h, w) — the refiner instead of the target size an aesthetic score, 6.0
 *       for the prompt and 2.5 for the negative one (A1111's defaults). An empty negative prompt gives zeros for its
 *       text parts, as A1111 and sgm's {@code force_zero_embeddings} do.</li>
 * </ul>
 * Emphasis weights are applied to each encoder's output with its mean restored, per window; the prompt and negative
 * prompt are padded to the same number of 77-token windows. Clip skip applies to SD 1.x only (A1111 ignores it for
 * the OpenCLIP encoders and for SDXL by default).
 *
 * @param cond   [tokens, contextWidth] of the prompt
 * @param uncond the same for the negative prompt, or null without guidance
 * @param y      SDXL's vector for the prompt, or null for SD 1.x/2.x
 * @param yUncond SDXL's vector for the negative prompt, or null
 */
record TextConditioning(float[] cond, float[] uncond, int tokens, float[] y, float[] yUncond) {
    static final float AESTHETIC_SCORE = 6.0f;
    static final float NEGATIVE_AESTHETIC_SCORE = 2.5f;

    /** Fills a prompt's windows; {@link SdPipeline} owns the tokenizer. */
    interface Prompts {
        PromptChunks of(String text);
    }

    static TextConditioning of(SdModel model, Prompts prompts, GenerationRequest r, boolean guided)
            throws OrtException {
        SdModelSpec spec = model.spec();
        Family family = spec.family();
        PromptChunks positive = prompts.of(r.prompt());
        PromptChunks negative = guided ? prompts.of(r.negativePrompt()) : null;
        int windows = Math.max(positive.windows(), negative == null ? 0 : negative.windows());
        List<PromptChunks> texts = new ArrayList<>(List.of(positive));
        if (negative != null) {
            texts.add(negative);
        }
        PromptChunks empty = prompts.of("");
        List<int[]> ids = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (PromptChunks chunks : texts) {
            for (int k = 0; k < windows; k++) {
                PromptChunks source = k < chunks.windows() ? chunks : empty;
                int index = k < chunks.windows() ? k : 0;
                ids.add(source.tokens().get(index));
                weights.add(source.weights().get(index));
            }
        }
        int perText = windows * PromptChunks.WINDOW_TOKENS;
        int contextWidth = spec.contextWidth();
        float[] context = new float[texts.size() * perText * contextWidth];
        float[] pooled = null;
        int column = 0;
        List<SdModelSpec.TextEncoder> encoders = spec.textEncoders();
        for (int e = 0; e < encoders.size(); e++) {
            ClipConfig clip = encoders.get(e).config();
            int positions = clip.positions();
            if (positions != PromptChunks.WINDOW_TOKENS) {
                throw new IllegalStateException("the text encoder takes " + positions + " tokens, prompt windows hold "
                        + PromptChunks.WINDOW_TOKENS);
            }
            boolean pools = family.xl() && e == encoders.size() - 1;
            String layer = switch (family) {
                case SD1 -> r.clipSkip() == 2 ? "penultimate" : "hidden";
                case SD2 -> "penultimate";
                case SDXL, SDXL_REFINER -> "penultimate_raw";
            };
            float[][] out = model.encodeText(e, flatIds(ids, clip.kind().padToken()), ids.size(),
                    pools ? new String[] {layer, "pooled"} : new String[] {layer});
            float[] hidden = out[0];
            int width = clip.width();
            for (int k = 0; k < ids.size(); k++) {
                SdPipeline.applyWeights(hidden, k * positions * width, positions, width, weights.get(k));
            }
            for (int token = 0; token < ids.size() * positions; token++) {
                System.arraycopy(hidden, token * width, context, token * contextWidth + column, width);
            }
            column += width;
            if (pools) {
                pooled = out[1];
            }
        }
        float[] cond = Arrays.copyOfRange(context, 0, perText * contextWidth);
        float[] uncond = negative == null ? null : Arrays.copyOfRange(context, perText * contextWidth, context.length);
        if (!family.xl()) {
            return new TextConditioning(cond, uncond, perText, null, null);
        }
        int pooledWidth = pooled.length / ids.size();
        float[] pooledCond = Arrays.copyOfRange(pooled, 0, pooledWidth);
        float[] pooledUncond = negative == null ? null : Arrays.copyOfRange(pooled, windows * pooledWidth, (windows + 1) * pooledWidth);
        if (negative != null && r.negativePrompt().isEmpty()) {
            Arrays.fill(uncond, 0f);
            Arrays.fill(pooledUncond, 0f);
        }
        float[] y = vector(family, pooledCond, r.height(), r.width(), AESTHETIC_SCORE);
        float[] yUncond = negative == null ? null : vector(family, pooledUncond, r.height(), r.width(), NEGATIVE_AESTHETIC_SCORE);
        return new TextConditioning(cond, uncond, perText, y, yUncond);
    }

    /** The windows' ids in one array, each window's positions after its first end token set to {@code pad}. */
    private static long[] flatIds(List<int[]> windows, int pad) {
        int positions = PromptChunks.WINDOW_TOKENS;
        long[] flat = new long[windows.size() * positions];
        for (int k = 0; k < windows.size(); k++) {
            int[] window = windows.get(k);
            boolean ended = false;
            for (int j = 0; j < positions; j++) {
                flat[k * positions + j] = ended ? pad : window[j];
                ended |= window[j] == ClipConfig.END;
            }
        }
        return flat;
    }

    /** SDXL's {@code y}: the pooled text, then each size number's Fourier embedding (sgm's ConcatTimestepEmbedderND). */
    static float[] vector(Family family, float[] pooled, int height, int width, float aestheticScore) {
        float[] numbers = family == Family.SDXL_REFINER
                ? new float[] {height, width, 0, 0, aestheticScore}
                : new float[] {height, width, 0, 0, height, width};
        int size = CheckpointInspector.SIZE_EMBEDDING;
        float[] y = Arrays.copyOf(pooled, pooled.length + numbers.length * size);
        for (int n = 0; n < numbers.length; n++) {
            fourier(numbers[n], y, pooled.length + n * size, size);
        }
        return y;
    }

    /**
     * ldm's {@code timestep_embedding(t, dim)}: cos then sin of t * 10000^(-i/half), i < half.
     */
    static void fourier(float t, float[] out, int offset, int dim) {
        int half = dim / 2;
        for (int i = 0; i < half; i++) {
            float freq = (float) Math.exp(-Math.log(10000) * i / half);
            float arg = t * freq;
            out[offset + i] = (float) Math.cos(arg);
            out[offset + half + i] = (float) Math.sin(arg);
        }
    }
}
