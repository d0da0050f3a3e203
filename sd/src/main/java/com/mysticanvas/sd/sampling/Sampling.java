package com.mysticanvas.sd.sampling;

/**
 * Schedules and samplers on SD's discrete 1000-step {@code scaled_linear} schedule (beta 0.00085 to
 * 0.012). CONTRACT (sd-maths implements, sd-graphs' pipeline calls).
 */
public final class Sampling {
    private Sampling() {}

    /** {@code euler}, {@code euler_a}, {@code dpmpp_2m}, {@code ddim}, {@code lcm}; else ApiException 400 listing them. */
    public static String[] samplerNames() {
        return new String[] {"euler", "euler_a", "dpmpp_2m", "ddim", "lcm"};
    }

    /**
     * Sigmas for {@code steps} steps, descending, with a final 0 (length steps+1).
     * {@code schedule}: {@code discrete} or {@code karras}.
     */
    public static float[] sigmas(String schedule, int steps) {
        throw new UnsupportedOperationException("schedules not implemented yet (issue 6)");
    }

    /** The UNet timestep (0..999, fractional) for a sigma, by interpolating log-sigmas. */
    public static float timestep(float sigma) {
        throw new UnsupportedOperationException("schedules not implemented yet (issue 6)");
    }

    /**
     * Runs a sampler from {@code x} (noise already scaled to sigmas[0]; for img2img the noised input)
     * through {@code sigmas}. Ancestral noise comes from {@code seed}. Returns the final latent, or null
     * when the listener cancelled.
     */
    public static float[] sample(String sampler, Denoiser model, float[] x, float[] sigmas, long seed,
                                 StepListener listener) {
        throw new UnsupportedOperationException("samplers not implemented yet (issue 6)");
    }

    /** Deterministic standard-normal noise of length n for a seed (same seed, same noise, on any machine). */
    public static float[] gaussianNoise(long seed, int n) {
        throw new UnsupportedOperationException("seeded noise not implemented yet (issue 6)");
    }
}
