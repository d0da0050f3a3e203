package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OrtException;
import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.graph.ClipGraph;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import com.mysticanvas.sd.tokenizer.PromptSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
 * Emphasis weights are applied to each encoder's output with its mean restored, per window. The prompt and the
 * negative prompt are encoded apart, each with its own number of 77-token windows (A1111 does not pad the shorter
 * with empty windows unless "pad conds" is on; the denoiser runs them apart when they differ). Clip skip applies
 * to SD 1.x only (A1111 ignores it for the OpenCLIP encoders and for SDXL by default). Prompt editing and
 * alternation ({@link PromptSchedule}) give one conditioning per distinct text, each used over its steps.
 */
final class TextConditioning {
    static final float AESTHETIC_SCORE = 6.0f;
    static final float NEGATIVE_AESTHETIC_SCORE = 2.5f;

    private TextConditioning() {}

    /** Fills a prompt's windows; {@link SdPipeline} owns the tokenizer and the embeddings. */
    interface Prompts {
        PromptChunks of(String text);

        /** The vectors of a textual-inversion embedding the windows name, for text encoder {@code encoder}. */
        float[] embeddingVectors(String name, int encoder);
    }

    /**
     * One text, encoded.
     *
     * @param context [tokens, contextWidth]
     * @param y       SDXL's vector, or null for SD 1.x/2.x
     */
    record Conditioning(float[] context, int tokens, float[] y) {}

    /**
     * A prompt's conditioning over the model calls of a run, as A1111 schedules it: call k (0-based, every call of
     * the denoiser, as A1111's CFG denoiser counts them) uses the first entry whose end is at least k.
     */
    record Scheduled(int[] ends, List<Conditioning> conditionings) {
        Conditioning at(int call) {
            for (int i = 0; i < ends.length; i++) {
                if (call <= ends[i]) {
                    return conditionings.get(i);
                }
            }
            return conditionings.getLast();
        }
    }

    /**
     * The prompt ({@code negative} false) or negative prompt of {@code r} scheduled over its model calls, counted as
     * A1111 counts them ({@link com.mysticanvas.sd.sampling.Sampler#scheduledSteps}), each distinct text encoded
     * once; {@code cache} (by text and side) is shared between the two. {@code firstPassSteps}: 0 for a first
     * pass, else {@code r} is hires fix's second pass after a first of that many scheduled steps.
     */
    static Scheduled schedule(SdModel model, Prompts prompts, GenerationRequest r, boolean negative, int firstPassSteps,
                              Map<String, Conditioning> cache) throws OrtException {
        return schedule(model, prompts, r, negative ? r.negativePrompt() : r.prompt(), negative, firstPassSteps, cache);
    }

    /** {@link #schedule} of {@code text}: one part of the prompt ({@code AND}) or the negative prompt. */
    static Scheduled schedule(SdModel model, Prompts prompts, GenerationRequest r, String text, boolean negative,
                              int firstPassSteps, Map<String, Conditioning> cache) throws OrtException {
        int steps = r.sampler().scheduledSteps(r.steps());
        PromptSchedule schedule = firstPassSteps == 0 ? PromptSchedule.of(text, steps)
                : PromptSchedule.ofHires(text, firstPassSteps, steps);
        int[] ends = new int[schedule.entries().size()];
        List<Conditioning> conditionings = new ArrayList<>();
        for (int i = 0; i < ends.length; i++) {
            PromptSchedule.Entry entry = schedule.entries().get(i);
            ends[i] = entry.endAtStep();
            Conditioning c = cache.get((negative ? "-" : "+") + entry.text());
            if (c == null) {
                c = encode(model, prompts, prompts.of(entry.text()), r, negative && entry.text().isEmpty(),
                        negative ? NEGATIVE_AESTHETIC_SCORE : AESTHETIC_SCORE);
                cache.put((negative ? "-" : "+") + entry.text(), c);
            }
            conditionings.add(c);
        }
        return new Scheduled(ends, conditionings);
    }

    /**
     * One text's windows through every text encoder of the checkpoint. {@code zero}: SDXL's empty negative prompt,
     * whose text parts are zeros, as A1111 and sgm's {@code force_zero_embeddings} make them.
     */
    static Conditioning encode(SdModel model, Prompts prompts, PromptChunks chunks, GenerationRequest r, boolean zero,
                               float aestheticScore) throws OrtException {
        SdModelSpec spec = model.spec();
        Family family = spec.family();
        List<int[]> ids = chunks.tokens();
        int tokens = ids.size() * PromptChunks.WINDOW_TOKENS;
        int contextWidth = spec.contextWidth();
        float[] context = new float[tokens * contextWidth];
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
                case SD1 -> {
                    if (r.clipSkip() > clip.layers()) {
                        throw Problem.badInput("clip_skip " + r.clipSkip() + " is more than this text encoder's "
                                + clip.layers() + " layers");
                    }
                    yield ClipGraph.skipOutput(r.clipSkip());
                }
                case SD2 -> "penultimate";
                case SDXL, SDXL_REFINER -> "penultimate_raw";
            };
            float[][] vectors = embeddingVectors(prompts, chunks, e, clip.width());
            float[][] out = model.encodeText(e, flatIds(ids, clip.kind().padToken()), ids.size(), vectors[0], vectors[1],
                    pools ? new String[] {layer, "pooled"} : new String[] {layer});
            float[] hidden = out[0];
            int width = clip.width();
            for (int k = 0; k < ids.size(); k++) {
                SdPipeline.applyWeights(hidden, k * positions * width, positions, width, chunks.weights().get(k));
            }
            for (int token = 0; token < tokens; token++) {
                System.arraycopy(hidden, token * width, context, token * contextWidth + column, width);
            }
            column += width;
            if (pools) {
                pooled = Arrays.copyOf(out[1], out[1].length / ids.size()); // the first window's, as sgm takes it
            }
        }
        if (!family.xl()) {
            return new Conditioning(context, tokens, null);
        }
        if (zero) {
            Arrays.fill(context, 0f);
            Arrays.fill(pooled, 0f);
        }
        return new Conditioning(context, tokens, vector(family, pooled, r.height(), r.width(), aestheticScore));
    }

    /** The embeddings' vectors [windows,77,width] and their mask [windows,77] for encoder {@code e}; nulls for none. */
    private static float[][] embeddingVectors(Prompts prompts, PromptChunks chunks, int e, int width) {
        if (chunks.fixes().stream().allMatch(List::isEmpty)) {
            return new float[2][];
        }
        int positions = PromptChunks.WINDOW_TOKENS;
        float[] vectors = new float[chunks.windows() * positions * width];
        float[] mask = new float[chunks.windows() * positions];
        for (int k = 0; k < chunks.windows(); k++) {
            for (PromptChunks.Fix fix : chunks.fixes().get(k)) {
                float[] v = prompts.embeddingVectors(fix.embedding().name(), e);
                int n = Math.min(v.length / width, positions - 1 - fix.position());
                System.arraycopy(v, 0, vectors, (k * positions + fix.position()) * width, n * width);
                Arrays.fill(mask, k * positions + fix.position(), k * positions + fix.position() + n, 1f);
            }
        }
        return new float[][] {vectors, mask};
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
