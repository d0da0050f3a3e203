package com.mysticanvas.sd.pipeline;

import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.sampling.Denoiser;
import com.mysticanvas.sd.sampling.Sampling;
import com.mysticanvas.sd.sampling.StepListener;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The pure-Java parts the pipeline calls (tokenizer and prompt weighting, schedules and samplers, seeded noise,
 * PNG). {@link #standard} uses the real ones; tests of the graph side may pass a stand-in while those are built
 * in parallel.
 */
public interface DiffusionMaths {
    PromptChunks prompt(String text);

    float[] sigmas(String schedule, int steps);

    float timestep(float sigma);

    float[] sample(String sampler, Denoiser model, float[] x, float[] sigmas, long seed, StepListener listener);

    float[] noise(long seed, int n);

    byte[] png(byte[] rgb, int width, int height, Map<String, String> text);

    /** The real implementations; the tokenizer is made on first use. */
    static DiffusionMaths standard(Supplier<ClipTokenizer> tokenizer) {
        return new DiffusionMaths() {
            private ClipTokenizer clip;

            @Override
            public synchronized PromptChunks prompt(String text) {
                if (clip == null) {
                    clip = tokenizer.get();
                }
                return PromptChunks.of(clip, text);
            }

            @Override
            public float[] sigmas(String schedule, int steps) {
                return Sampling.sigmas(schedule, steps);
            }

            @Override
            public float timestep(float sigma) {
                return Sampling.timestep(sigma);
            }

            @Override
            public float[] sample(String sampler, Denoiser model, float[] x, float[] sigmas, long seed, StepListener listener) {
                return Sampling.sample(sampler, model, x, sigmas, seed, listener);
            }

            @Override
            public float[] noise(long seed, int n) {
                return Sampling.gaussianNoise(seed, n);
            }

            @Override
            public byte[] png(byte[] rgb, int width, int height, Map<String, String> text) {
                return Png.encode(rgb, width, height, text);
            }
        };
    }
}
