package com.mysticanvas.sd.noise;

import java.util.function.LongFunction;

/**
 * k-diffusion's {@code BrownianTreeNoiseSampler} as A1111 gives it to its SDE samplers (DPM++ SDE, 2M SDE, 3M SDE;
 * ComfyUI likewise): the noise of the step from {@code sigma} to {@code next} is the increment of a Brownian tree
 * over the run's sigmas, seeded with the image's seed, divided by {@code sqrt(|sigma - next|)}. Other draws come from
 * the image's generator, which this wraps. The tree draws with the generator torch uses on the device: CUDA's Philox
 * for the GPU and NV sources (A1111 on an NVIDIA GPU builds it there), the CPU's for the CPU source (ComfyUI builds
 * it on the CPU).
 */
public final class BrownianNoise implements NoiseStream {
    private final NoiseStream stream;
    private final LongFunction<NoiseStream> randn;
    private final long seed;
    private final double sigmaMin;
    private final double sigmaMax;
    private final int size;
    private BrownianTree tree;

    private BrownianNoise(NoiseStream stream, LongFunction<NoiseStream> randn, long seed, float[] sigmas, int size) {
        this.stream = stream;
        this.randn = randn;
        this.seed = seed;
        this.size = size;
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (float s : sigmas) {
            if (s > 0) {
                min = Math.min(min, s);
            }
            max = Math.max(max, s);
        }
        sigmaMin = min;
        sigmaMax = max;
    }

    /**
     * The SDE samplers' noise for a run over {@code sigmas} of latents of {@code size} values, for the image of
     * {@code seed}; our own generator of before keeps drawing from {@code stream}, as its images were made.
     */
    public static NoiseStream over(NoiseStream stream, Rng rng, long seed, float[] sigmas, int size) {
        return switch (rng) {
            case GPU, NV -> new BrownianNoise(stream, PhiloxNoise::new, seed, sigmas, size);
            case CPU -> new BrownianNoise(stream, TorchCpuNoise::new, seed, sigmas, size);
            case MYSTICANVAS -> stream;
        };
    }

    @Override
    public float[] next(int n) {
        return stream.next(n);
    }

    /** The unit-variance noise of the step from {@code sigma} down to {@code next} (float32, as k-diffusion's). */
    public float[] between(float sigma, float next) {
        if (tree == null) { // made on first use: a run of one step to 0 never asks
            tree = new BrownianTree(sigmaMin, sigmaMax, size, seed, randn);
        }
        float[] w = tree.increment(Math.min(sigma, next), Math.max(sigma, next));
        float scale = (float) Math.sqrt(Math.abs(next - sigma));
        float sign = sigma > next ? -1 : 1;
        for (int i = 0; i < w.length; i++) {
            w[i] = w[i] * sign / scale;
        }
        return w;
    }
}
