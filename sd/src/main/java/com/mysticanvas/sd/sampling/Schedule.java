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
        double sigma(NoiseSchedule schedule, int i, int steps) {
            double last = schedule.timesteps() - 1;
            double t = steps == 1 ? last : last - last * i / (steps - 1);
            return schedule.sigma(t);
        }
    },
    /** Karras et al. 2022 (rho = 7): evenly spaced in sigma^(1/7), denser at low noise. */
    KARRAS("karras", "Karras") {
        @Override
        double sigma(NoiseSchedule schedule, int i, int steps) {
            double ramp = steps == 1 ? 0 : (double) i / (steps - 1);
            double maxInvRho = Math.pow(schedule.sigmaMax(), 1 / RHO);
            double minInvRho = Math.pow(schedule.sigmaMin(), 1 / RHO);
            return Math.pow(maxInvRho + ramp * (minInvRho - maxInvRho), RHO);
        }
    };

    static final double RHO = 7;
    public static final int MAX_STEPS = 1000;

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

    abstract double sigma(NoiseSchedule schedule, int i, int steps);

    /**
     * {@code steps} sigmas, descending, and a final 0 (length steps+1). A request's steps were checked when its
     * job was submitted; a count outside 1..{@link #MAX_STEPS} here is a programming error.
     */
    public float[] sigmas(int steps) {
        return sigmas(NoiseSchedule.SD, steps);
    }

    /** As {@link #sigmas(int)}, between the sigma max and min of {@code noise}. */
    public float[] sigmas(NoiseSchedule noise, int steps) {
        if (steps < 1 || steps > MAX_STEPS) {
            throw new IllegalArgumentException("steps must be between 1 and " + MAX_STEPS + ", got " + steps);
        }
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            out[i] = (float) sigma(noise, i, steps);
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
