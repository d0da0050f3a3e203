package com.mysticanvas.sd.sampling;

import com.mysticanvas.core.Problem;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the noise levels of a run are spread between sigma max and sigma min. Every schedule returns
 * {@code steps} descending sigmas followed by a final 0.
 */
public enum Schedule {
    /**
     * k-diffusion's {@code DiscreteSchedule.get_sigmas} (A1111's "Uniform", its default for most
     * samplers): timesteps evenly spaced from 999 down to 0, each turned into its sigma.
     */
    DISCRETE("discrete", "Uniform") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            return timesteps(noise, linspace(noise.timesteps() - 1, 0, steps));
        }
    },
    /** Karras et al. 2022 (rho = 7): evenly spaced in sigma^(1/7), denser at low noise. */
    KARRAS("karras", "Karras") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            return karras(steps, noise.sigmaMin(), noise.sigmaMax());
        }
    },
    /** k-diffusion's {@code get_sigmas_exponential}: evenly spaced in log sigma. */
    EXPONENTIAL("exponential", "Exponential") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            return polyExponential(noise, steps, 1);
        }
    },
    /** k-diffusion's {@code get_sigmas_polyexponential} with A1111's rho 1 (so, to rounding, Exponential). */
    POLYEXPONENTIAL("polyexponential", "Polyexponential") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            return polyExponential(noise, steps, 1);
        }
    },
    /** A1111's {@code sgm_uniform}: steps + 1 timesteps from 999 to 0, the last (0) dropped. */
    SGM_UNIFORM("sgm_uniform", "SGM Uniform") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            double[] t = linspace(noise.timesteps() - 1, 0, steps + 1);
            return timesteps(noise, Arrays.copyOf(t, steps));
        }
    },
    /**
     * A1111's {@code kl_optimal} (Sabour et al. 2024): evenly spaced in arctan(sigma), from sigma max to sigma min
     * itself; it ends there, not at 0, as A1111's does.
     */
    KL_OPTIMAL("kl_optimal", "KL Optimal") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            double alphaMin = Math.atan(noise.sigmaMin());
            double alphaMax = Math.atan(noise.sigmaMax());
            double[] out = new double[steps + 1];
            for (int i = 0; i <= steps; i++) {
                double w = (double) i / steps;
                out[i] = Math.tan(w * alphaMin + (1 - w) * alphaMax);
            }
            return out;
        }
    },
    /**
     * NVIDIA's Align Your Steps sigmas for 10 steps (SD 1.5's, or SDXL's), interpolated log-linearly to the steps
     * asked, as A1111's {@code get_align_your_steps_sigmas}.
     */
    ALIGN_YOUR_STEPS("align_your_steps", "Align Your Steps") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            double[] known = sdxl ? AYS_SDXL : AYS_SD15;
            double[] out = new double[steps + 1];
            if (steps == known.length) {
                System.arraycopy(known, 0, out, 0, steps);
                return out;
            }
            // np.interp over xs = linspace(0, 1, 11) of the reversed log sigmas, then reversed back
            int n = known.length;
            for (int i = 0; i < steps; i++) {
                double x = steps == 1 ? 0 : (double) i / (steps - 1);
                double pos = x * (n - 1);
                int low = Math.min((int) Math.floor(pos), n - 2);
                double w = pos - low;
                double y = (1 - w) * Math.log(known[n - 1 - low]) + w * Math.log(known[n - 2 - low]);
                out[steps - 1 - i] = Math.exp(y);
            }
            return out;
        }
    },
    /** ComfyUI's and A1111's {@code simple}: every (1000 / steps)-th of the model's own sigmas, from the top. */
    SIMPLE("simple", "Simple") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            int n = noise.timesteps();
            double stride = (double) n / steps;
            double[] out = new double[steps + 1];
            for (int i = 0; i < steps; i++) {
                out[i] = noise.sigma(n - 1 - (int) (i * stride));
            }
            return out;
        }
    },
    /**
     * A1111's {@code normal_scheduler}: timesteps evenly spaced between those of sigma max and sigma min, which for
     * these models are 999 and 0, so the same levels as Uniform.
     */
    NORMAL("normal", "Normal") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            return timesteps(noise, linspace(noise.timestep(noise.sigmaMax()), noise.timestep(noise.sigmaMin()), steps));
        }
    },
    /**
     * A1111's {@code ddim_scheduler}: the model's sigmas at timesteps 1, 1 + k, 1 + 2k ... (k = 1000 / steps,
     * rounded down), highest first; so some step counts get a step or more extra, as in A1111.
     */
    DDIM_UNIFORM("ddim_uniform", "DDIM") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            int n = noise.timesteps();
            int stride = Math.max(n / steps, 1);
            int count = (n - 1 + stride - 1) / stride; // x = 1, 1 + stride, ... below n
            double[] out = new double[count + 1];
            for (int k = 0; k < count; k++) {
                out[count - 1 - k] = noise.sigma(1 + k * stride);
            }
            return out;
        }
    },
    /**
     * A1111's {@code beta_scheduler} ("Beta Sampling is All You Need", Lee et al. 2024) with its default
     * alpha = beta = 0.6: sigma min + (max - min) times the Beta quantile of evenly spaced levels.
     */
    BETA("beta", "Beta") {
        @Override
        double[] levels(NoiseSchedule noise, int steps, boolean sdxl) {
            double[] out = new double[steps + 1];
            double[] levels = linspace(0, 1, steps);
            for (int i = 0; i < steps; i++) {
                double q = BetaDistribution.quantile(1 - levels[i], BETA_ALPHA, BETA_BETA);
                out[i] = noise.sigmaMin() + q * (noise.sigmaMax() - noise.sigmaMin());
            }
            return out;
        }
    };

    static final double RHO = 7;
    public static final int MAX_STEPS = 1000;
    static final double BETA_ALPHA = 0.6;
    static final double BETA_BETA = 0.6;
    private static final double[] AYS_SD15 = {14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029};
    private static final double[] AYS_SDXL = {14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029};

    private final String id;
    private final String a1111Label;

    Schedule(String id, String a1111Label) {
        this.id = id;
        this.a1111Label = a1111Label;
    }

    /** Our name, as requests give it. */
    public String id() {
        return id;
    }

    /** The name A1111 shows and writes as "Schedule type". */
    public String a1111Label() {
        return a1111Label;
    }

    /** The run's sigmas, descending, with room for (or holding) the last one; the array's last value is its end. */
    abstract double[] levels(NoiseSchedule noise, int steps, boolean sdxl);

    /**
     * {@code steps} sigmas, descending, and a final 0 (length steps+1). A request's steps were checked when its
     * job was submitted; a count outside 1..{@link #MAX_STEPS} here is a programming error.
     */
    public float[] sigmas(int steps) {
        return sigmas(NoiseSchedule.SD, steps, false);
    }

    /** As {@link #sigmas(int)}, between the sigma max and min of {@code noise}. */
    public float[] sigmas(NoiseSchedule noise, int steps) {
        return sigmas(noise, steps, false);
    }

    /**
     * As {@link #sigmas(int)} for {@code noise}; {@code sdxl} picks Align Your Steps' SDXL table. A few schedules
     * end elsewhere as A1111's do (KL Optimal at sigma min; DDIM with extra steps for some counts).
     */
    public float[] sigmas(NoiseSchedule noise, int steps, boolean sdxl) {
        if (steps < 1 || steps > MAX_STEPS) {
            throw new IllegalArgumentException("steps must be between 1 and " + MAX_STEPS + ", got " + steps);
        }
        double[] levels = levels(noise, steps, sdxl);
        float[] out = new float[levels.length];
        for (int i = 0; i < levels.length; i++) {
            out[i] = (float) levels[i];
        }
        return out;
    }

    /** torch's {@code linspace(from, to, n)}: n values, the ends exact. */
    /** k-diffusion's {@code get_sigmas_karras(n, min, max)}: n levels from max to min, then 0. */
    static double[] karras(int n, double min, double max) {
        double[] ramp = linspace(0, 1, n);
        double maxInvRho = Math.pow(max, 1 / RHO);
        double minInvRho = Math.pow(min, 1 / RHO);
        double[] out = new double[n + 1];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), RHO);
        }
        return out;
    }

    static double[] linspace(double from, double to, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = n == 1 ? from : from + (to - from) * i / (n - 1);
        }
        return out;
    }

    /** The sigmas of fractional timesteps, and room for the final 0. */
    private static double[] timesteps(NoiseSchedule noise, double[] t) {
        double[] out = new double[t.length + 1];
        for (int i = 0; i < t.length; i++) {
            out[i] = noise.sigma(t[i]);
        }
        return out;
    }

    private static double[] polyExponential(NoiseSchedule noise, int steps, double rho) {
        double logMax = Math.log(noise.sigmaMax());
        double logMin = Math.log(noise.sigmaMin());
        double[] ramp = linspace(1, 0, steps);
        double[] out = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            out[i] = Math.exp(Math.pow(ramp[i], rho) * (logMax - logMin) + logMin);
        }
        return out;
    }

    /**
     * The schedule an old combined sampler name ends with ("DPM++ 2M Karras", as A1111 before 1.9 named them and
     * infotexts still carry), or null.
     */
    public static Schedule suffixOf(String samplerName) {
        String name = samplerName.strip().toLowerCase(Locale.ROOT);
        for (Schedule s : values()) {
            for (String label : new String[] {s.a1111Label, s.id}) {
                if (name.endsWith(" " + label.toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
        }
        return null;
    }

    /** A1111's name for "the sampler's own default" ({@link Sampler#automaticSchedule()}). */
    public static final String AUTOMATIC = "Automatic";
    /** Its id in our requests and lists. */
    public static final String AUTOMATIC_ID = "automatic";

    /**
     * By our id or A1111's label, case-insensitive; null for A1111's "Automatic", which each sampler resolves to its
     * own default.
     */
    public static Schedule named(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        if (wanted.equals(AUTOMATIC_ID)) {
            return null;
        }
        for (Schedule s : values()) {
            if (s.id.equals(wanted) || s.a1111Label.toLowerCase(Locale.ROOT).equals(wanted)) {
                return s;
            }
        }
        throw Problem.badInput("unknown scheduler '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Schedule::id).collect(Collectors.joining(", ")));
    }
}
