package com.mysticanvas.sd.sampling;

/**
 * How A1111 runs LCM models ({@code sd_samplers_lcm.py}): the model lives on LCM's 50 "original" timesteps
 * (19, 39, ..., 999), so the schedules are made from those 50 noise levels, the UNet gets the one nearest in
 * log-sigma, and the answer is put through LCM's boundary condition ({@code c_skip x + c_out denoised}, with
 * sigma_data 0.5 and the timestep scaled by 10).
 */
public final class LcmSchedule {
    /** LCM's original timesteps (LCM's default, A1111's constant). */
    static final int ORIGINAL_STEPS = 50;
    private static final double SIGMA_DATA = 0.5;
    private static final double TIMESTEP_SCALE = 10;

    private final NoiseSchedule levels;
    private final int skip;

    private LcmSchedule(NoiseSchedule levels, int skip) {
        this.levels = levels;
        this.skip = skip;
    }

    /** LCM's grid over a model's schedule. */
    public static LcmSchedule of(NoiseSchedule model) {
        int skip = model.timesteps() / ORIGINAL_STEPS;
        return new LcmSchedule(model.everyNth(skip), skip);
    }

    /** The 50 noise levels the run's schedule is made from. */
    public NoiseSchedule levels() {
        return levels;
    }

    /** The model timestep for a sigma: LCM's nearest in log-sigma ({@code index * 20 + 19}). */
    public int timestep(double sigma) {
        double log = Math.log(sigma);
        int best = 0;
        for (int i = 1; i < levels.timesteps(); i++) {
            if (Math.abs(log - Math.log(levels.sigma(i))) < Math.abs(log - Math.log(levels.sigma(best)))) {
                best = i;
            }
        }
        return best * skip + skip - 1;
    }

    /** LCM's boundary condition on the model's denoised answer {@code denoised} for input {@code x} at {@code timestep}. */
    public float boundary(float x, float denoised, int timestep) {
        double scaled = timestep * TIMESTEP_SCALE;
        double square = scaled * scaled + SIGMA_DATA * SIGMA_DATA;
        return (float) (scaled / Math.sqrt(square) * denoised + SIGMA_DATA * SIGMA_DATA / square * x);
    }
}
