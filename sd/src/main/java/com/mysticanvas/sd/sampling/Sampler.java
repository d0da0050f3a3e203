package com.mysticanvas.sd.sampling;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.noise.NoiseStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The samplers, written as k-diffusion writes them: the latent lives in sigma space
 * ({@code x = clean + sigma * noise}) and each step calls the denoiser once.
 */
public enum Sampler {
    /** k-diffusion's {@code sample_euler} (no churn): one Euler step of the probability-flow ODE. */
    EULER("euler", "Euler", "k_euler") {
        @Override
        void update(float[] x, float[] denoised, Step s) {
            double factor = (s.next() - s.sigma()) / s.sigma(); // dt / sigma, with d = (x - denoised) / sigma
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (x[j] + (x[j] - denoised[j]) * factor);
            }
        }
    },
    /**
     * k-diffusion's {@code sample_euler_ancestral}, eta 1: an Euler step down to sigma_down, then fresh
     * noise of size sigma_up, where sigma_down^2 + sigma_up^2 = next^2.
     */
    EULER_A("euler_a", "Euler a", "k_euler_a", "k_euler_ancestral") {
        @Override
        void update(float[] x, float[] denoised, Step s) {
            double sigma = s.sigma();
            double next = s.next();
            double up = Math.min(next, Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma)));
            double down = Math.sqrt(next * next - up * up);
            double factor = (down - sigma) / sigma;
            float[] noise = next > 0 ? s.freshNoise(x.length) : null;
            for (int j = 0; j < x.length; j++) {
                double stepped = x[j] + (x[j] - denoised[j]) * factor;
                x[j] = (float) (noise == null ? stepped : stepped + noise[j] * up);
            }
        }
    },
    /**
     * k-diffusion's {@code sample_dpmpp_2m} (DPM-Solver++(2M), Lu et al. 2022): a multistep update that
     * extrapolates the denoised value from this step and the last; first order on the first step and
     * on the step to sigma 0.
     */
    DPMPP_2M("dpmpp_2m", "DPM++ 2M", "k_dpmpp_2m") {
        @Override
        public Schedule automaticSchedule() {
            return Schedule.KARRAS;
        }

        @Override
        void update(float[] x, float[] denoised, Step s) {
            if (s.next() == 0) {
                System.arraycopy(denoised, 0, x, 0, x.length);
                return;
            }
            double h = Math.log(s.sigma() / s.next()); // t = -log(sigma)
            double keep = s.next() / s.sigma();
            double towards = -Math.expm1(-h);
            float[] old = s.previousDenoised();
            double a = 1;
            double b = 0;
            if (old != null) {
                double r = Math.log(s.previousSigma() / s.sigma()) / h;
                a = 1 + 1 / (2 * r);
                b = -1 / (2 * r);
            }
            for (int j = 0; j < x.length; j++) {
                double d = old == null ? denoised[j] : a * denoised[j] + b * old[j];
                x[j] = (float) (keep * x[j] + towards * d);
            }
        }
    },
    /**
     * DDIM with eta 0 (Song et al. 2021) over the given sigmas. In sigma space its update is
     * {@code x' = denoised + (next / sigma) (x - denoised)}: the same line as Euler's step (Karras et
     * al. 2022, section 4), so the two agree to rounding.
     */
    DDIM("ddim", "DDIM", "ddim") {
        @Override
        void update(float[] x, float[] denoised, Step s) {
            double keep = s.next() / s.sigma();
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (denoised[j] + keep * (x[j] - denoised[j]));
            }
        }
    },
    /** The LCM sampler (Luo et al. 2023): take the denoised latent, then noise it afresh to the next sigma. */
    LCM("lcm", "LCM", "k_lcm") {
        @Override
        void update(float[] x, float[] denoised, Step s) {
            float[] noise = s.next() > 0 ? s.freshNoise(x.length) : null;
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (noise == null ? denoised[j] : denoised[j] + s.next() * noise[j]);
            }
        }
    };

    private final String id;
    private final String a1111Label;
    private final List<String> aliases;

    Sampler(String id, String a1111Label, String... aliases) {
        this.id = id;
        this.a1111Label = a1111Label;
        this.aliases = List.of(aliases);
    }

    /** Our name, as requests give it. */
    public String id() {
        return id;
    }

    /** The name A1111 shows, lists in {@code /sdapi/v1/samplers} and writes as "Sampler". */
    public String a1111Label() {
        return a1111Label;
    }

    /** A1111's aliases for it ({@code /sdapi/v1/samplers}). */
    public List<String> aliases() {
        return aliases;
    }

    /**
     * The schedule A1111 (1.9 and later) uses for this sampler when the request says "Automatic" or nothing: the
     * sampler's own default ({@code scheduler} in its options table), else the model's uniform one.
     */
    public Schedule automaticSchedule() {
        return Schedule.DISCRETE;
    }

    /** By our id, A1111's label or one of its aliases, case-insensitive. */
    public static Sampler named(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (Sampler s : values()) {
            if (Stream.concat(Stream.of(s.id, s.a1111Label), s.aliases.stream())
                    .anyMatch(n -> n.toLowerCase(Locale.ROOT).equals(wanted))) {
                return s;
            }
        }
        throw Problem.badInput("unknown sampler '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Sampler::id).collect(Collectors.joining(", ")));
    }

    /** What one step knows besides x and the denoised latent. */
    record Step(int index, double sigma, double next, double previousSigma, float[] previousDenoised, NoiseStream noise) {
        /** The fresh noise of this step: the image's generator's next draw, as A1111 takes it. */
        float[] freshNoise(int n) {
            return noise.next(n);
        }
    }

    /** Moves {@code x} (in place) from {@code s.sigma()} to {@code s.next()}. */
    abstract void update(float[] x, float[] denoised, Step s);

    /**
     * Runs the sampler from {@code start} (left unchanged) through {@code sigmas}. The listener sees
     * the live arrays after each step: copy them to keep them. Ancestral steps draw their fresh noise from
     * {@code noise}. Returns null when it cancels.
     */
    public float[] run(Denoiser model, float[] start, float[] sigmas, NoiseStream noise, StepListener listener) {
        checkSigmas(sigmas);
        float[] x = start.clone();
        int steps = sigmas.length - 1;
        float[] previous = null;
        for (int i = 0; i < steps; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            if (denoised == null || denoised.length != x.length || denoised == x) {
                throw new IllegalStateException("the denoiser must return a new array of " + x.length + " values");
            }
            double previousSigma = i > 0 ? sigmas[i - 1] : Double.NaN;
            update(x, denoised, new Step(i, sigmas[i], sigmas[i + 1], previousSigma, previous, noise));
            previous = denoised.clone(); // the denoiser may reuse its output buffer
            if (listener != null && !listener.onStep(i + 1, steps, x, denoised)) {
                return null;
            }
        }
        return x;
    }

    private static void checkSigmas(float[] sigmas) {
        if (sigmas.length == 0) {
            throw new IllegalArgumentException("no sigmas");
        }
        for (int i = 0; i < sigmas.length; i++) {
            boolean ok = Float.isFinite(sigmas[i]) && sigmas[i] >= 0 && (i == 0 || sigmas[i] < sigmas[i - 1])
                    && (sigmas[i] > 0 || i == sigmas.length - 1);
            if (!ok) {
                throw new IllegalArgumentException("sigmas must be positive and strictly descending, only the last may be 0: "
                        + Arrays.toString(sigmas));
            }
        }
    }
}
