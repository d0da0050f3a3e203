package com.mysticanvas.sd.sampling;

/**
 * The model as the samplers see it (k-diffusion convention): given the noisy latent {@code x} at noise
 * level {@code sigma}, returns the predicted clean latent (same length). The SD pipeline implements it
 * with the UNet (eps prediction, c_in = 1/sqrt(sigma^2+1), classifier-free guidance batched).
 */
@FunctionalInterface
public interface Denoiser {
    float[] denoise(float[] x, float sigma);

    /**
     * The negative prompt's own answer at the last call, before guidance mixed it in (CFG++ steers along it); null
     * when the denoiser does not guide, and then the answer itself stands for it.
     */
    default float[] lastUnguided() {
        return null;
    }

    /** The training schedule the model's timesteps follow (TCD reads its alphas): SD's unless the model says otherwise. */
    default NoiseSchedule schedule() {
        return NoiseSchedule.SD;
    }
}
