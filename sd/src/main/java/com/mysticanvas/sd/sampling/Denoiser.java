package com.mysticanvas.sd.sampling;

/**
 * The model as the samplers see it (k-diffusion convention): given the noisy latent {@code x} at noise
 * level {@code sigma}, returns the predicted clean latent (same length). The SD pipeline implements it
 * with the UNet (eps prediction, c_in = 1/sqrt(sigma^2+1), classifier-free guidance batched).
 */
@FunctionalInterface
public interface Denoiser {
    float[] denoise(float[] x, float sigma);
}
