package com.mysticanvas.sd.sampling;

import com.mysticanvas.sd.noise.NoiseStream;
import java.util.Arrays;

/**
 * Schedules and samplers on SD's discrete 1000-step {@code scaled_linear} schedule (beta 0.00085 to
 * 0.012). The parts: {@link NoiseSchedule}
 * (the training schedule), {@link Schedule} (sigmas of a run), {@link Sampler} (the update rules),
 * and, in {@code sd.noise}, the seeded noise.
 */
public final class Sampling {
    private Sampling() {}

    /** Sigmas for {@code steps} steps, descending, with a final 0 (length steps+1). */
    public static float[] sigmas(Schedule schedule, int steps) {
        return schedule.sigmas(steps);
    }

    /** The UNet timestep (0..999, fractional) for a sigma, by interpolating log-sigmas. */
    public static float timestep(float sigma) {
        return (float) NoiseSchedule.SD.timestep(sigma);
    }

    /**
     * Runs a sampler from {@code x} (noise already scaled to sigmas[0]; for img2img the noised input)
     * through {@code sigmas}. Ancestral noise comes from {@code noise}. Returns the final latent, or null
     * when the listener cancelled.
     */
    public static float[] sample(Sampler sampler, Denoiser model, float[] x, float[] sigmas, NoiseStream noise,
                                 StepListener listener) {
        return sampler.run(model, x, sigmas, noise, listener);
    }

    /** What img2img walks ({@code sigmas}) and the noise level its input is noised to first ({@link Sampler#img2img}). */
    public record Img2img(float[] sigmas, double noiseSigma) {}

    /**
     * The tail of a run's sigmas that img2img denoises for a {@code strength} in [0, 1], as A1111 cuts it:
     * {@code int(min(strength, 0.999) * steps) + 1} steps, ending at 0. Strength 0 gives just {@code {0}}:
     * no step, the input comes back as it went in. Start from {@code input + noise * tail[0]}. Pass the
     * strength as the request's double: 0.7 as a float is 0.69999999, which would cut one step fewer. A request's
     * strength was checked when its job was submitted; one outside [0, 1] here is a programming error.
     */
    public static float[] img2imgSigmas(float[] sigmas, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be between 0 and 1, got " + strength);
        }
        if (strength == 0) {
            return new float[] {0f};
        }
        int steps = sigmas.length - 1;
        int encoded = (int) (Math.min(strength, 0.999) * steps);
        return Arrays.copyOfRange(sigmas, steps - encoded - 1, sigmas.length);
    }
}
