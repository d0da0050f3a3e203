package com.mysticanvas.sd.sampling;

/**
 * Stable Diffusion's training noise schedule: 1000 discrete timesteps, {@code scaled_linear} betas
 * from 0.00085 to 0.012 ({@code betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2}), and for each
 * timestep the noise level of the equivalent variance-exploding process,
 * {@code sigma = sqrt((1 - alphas_cumprod) / alphas_cumprod)}. Between timesteps sigma is interpolated
 * linearly in log space, as k-diffusion's {@code DiscreteSchedule} does. Computed in double.
 */
public final class NoiseSchedule {
    public static final int TIMESTEPS = 1000;
    public static final double BETA_START = 0.00085;
    public static final double BETA_END = 0.012;
    /** The schedule SD 1.x, 2.x and SDXL were trained with (see {@link #zeroTerminalSnr()} for ztsnr fine-tunes). */
    public static final NoiseSchedule SD = new NoiseSchedule(BETA_START, BETA_END, TIMESTEPS);

    private final double[] alphasCumprod;
    private final double[] logSigmas;
    /** {@code log sqrt(alphas_cumprod)}, as DPM-Solver's schedule reads it ({@link #vpSigma}, {@link #vpTimestep}). */
    private final double[] logAlphas;

    private NoiseSchedule(double betaStart, double betaEnd, int timesteps) {
        alphasCumprod = new double[timesteps];
        logSigmas = new double[timesteps];
        double from = Math.sqrt(betaStart);
        double step = (Math.sqrt(betaEnd) - from) / (timesteps - 1);
        double product = 1;
        for (int t = 0; t < timesteps; t++) {
            double root = t == timesteps - 1 ? Math.sqrt(betaEnd) : from + t * step;
            product *= 1 - root * root;
            alphasCumprod[t] = product;
            logSigmas[t] = 0.5 * Math.log((1 - product) / product);
        }
        logAlphas = logAlphas(alphasCumprod);
    }

    private NoiseSchedule(double[] alphasCumprod) {
        this.alphasCumprod = alphasCumprod;
        logSigmas = new double[alphasCumprod.length];
        for (int t = 0; t < alphasCumprod.length; t++) {
            logSigmas[t] = 0.5 * Math.log((1 - alphasCumprod[t]) / alphasCumprod[t]);
        }
        logAlphas = logAlphas(alphasCumprod);
    }

    private static double[] logAlphas(double[] alphasCumprod) {
        double[] out = new double[alphasCumprod.length];
        for (int t = 0; t < out.length; t++) {
            out[t] = 0.5 * Math.log(alphasCumprod[t]);
        }
        return out;
    }

    /**
     * This schedule rescaled to zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample
     * Steps are Flawed"), for checkpoints trained so (a {@code ztsnr} key): sqrt(alphas_cumprod) shifted to end at 0
     * and scaled to keep its start. The last value is then set to 4.8973451890853435e-08 instead of 0, as ComfyUI
     * and stable-diffusion.cpp do, so that the last sigma stays finite (about 4519).
     */
    public NoiseSchedule zeroTerminalSnr() {
        int n = alphasCumprod.length;
        double first = Math.sqrt(alphasCumprod[0]);
        double last = Math.sqrt(alphasCumprod[n - 1]);
        double[] rescaled = new double[n];
        for (int t = 0; t < n; t++) {
            double root = (Math.sqrt(alphasCumprod[t]) - last) * first / (first - last);
            rescaled[t] = root * root;
        }
        rescaled[n - 1] = ZTSNR_LAST_ALPHA_BAR;
        return new NoiseSchedule(rescaled);
    }

    static final double ZTSNR_LAST_ALPHA_BAR = 4.8973451890853435e-08;

    /**
     * Every {@code skip}-th timestep counted down from the last ({@code t = n-1, n-1-skip, ...}), as its own
     * schedule (LCM's 50 "original" timesteps out of 1000: {@link LcmSchedule}).
     */
    NoiseSchedule everyNth(int skip) {
        int n = alphasCumprod.length / skip;
        double[] kept = new double[n];
        for (int i = 0; i < n; i++) {
            kept[n - 1 - i] = alphasCumprod[alphasCumprod.length - 1 - i * skip];
        }
        return new NoiseSchedule(kept);
    }

    public int timesteps() {
        return logSigmas.length;
    }

    /** The noise level of timestep 0, about 0.0292. */
    public double sigmaMin() {
        return Math.exp(logSigmas[0]);
    }

    /** The noise level of the last timestep, about 14.6146. */
    public double sigmaMax() {
        return Math.exp(logSigmas[logSigmas.length - 1]);
    }

    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** Sigma at a fractional timestep in [0, timesteps-1]: log-linear between the neighbours. */
    public double sigma(double t) {
        double clamped = Math.clamp(t, 0, logSigmas.length - 1);
        int low = (int) Math.floor(clamped);
        int high = (int) Math.ceil(clamped);
        double w = clamped - low;
        return Math.exp((1 - w) * logSigmas[low] + w * logSigmas[high]);
    }

    /** The timestep whose sigma is nearest {@code sigma} in log space (ComfyUI's {@code ModelSamplingDiscrete.timestep}). */
    public int nearestTimestep(double sigma) {
        double log = Math.log(sigma);
        int best = 0;
        for (int t = 1; t < logSigmas.length; t++) {
            if (Math.abs(log - logSigmas[t]) < Math.abs(log - logSigmas[best])) {
                best = t;
            }
        }
        return best;
    }

    /**
     * Sigma at a fractional timestep as DPM-Solver's and UniPC's discrete {@code NoiseScheduleVP} reads the schedule:
     * {@code log sqrt(alphas_cumprod)} linear between the neighbours (not log-sigma, as {@link #sigma(double)}).
     */
    public double vpSigma(double t) {
        double clamped = Math.clamp(t, 0, alphasCumprod.length - 1);
        int low = (int) Math.min(Math.floor(clamped), alphasCumprod.length - 2);
        double w = clamped - low;
        double logAlpha = (1 - w) * logAlphas[low] + w * logAlphas[low + 1];
        return Math.sqrt(Math.expm1(-2 * logAlpha));
    }

    /** The fractional timestep of a sigma, the inverse of {@link #vpSigma(double)}, clamped to [0, timesteps-1]. */
    public double vpTimestep(double sigma) {
        double logAlpha = -0.5 * Math.log1p(sigma * sigma);
        for (int low = 0; low < logAlphas.length - 1; low++) { // log alpha falls with t
            double a = logAlphas[low];
            double b = logAlphas[low + 1];
            if (logAlpha >= b || low == logAlphas.length - 2) {
                return low + Math.clamp((a - logAlpha) / (a - b), 0, 1);
            }
        }
        return 0;
    }

    /** The fractional timestep of a sigma, the inverse of {@link #sigma(double)}, clamped to [0, timesteps-1]. */
    public double timestep(double sigma) {
        double logSigma = Math.log(sigma);
        if (!(logSigma > logSigmas[0])) {
            return 0; // also sigma 0 (log -inf) and NaN
        }
        // The last index whose log-sigma is <= logSigma (log-sigmas rise with t), at most timesteps-2.
        int low = 0;
        int high = logSigmas.length - 2;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (logSigmas[mid] <= logSigma) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        double w = Math.clamp((logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1]), 0, 1);
        return low + w;
    }
}
