package com.mysticanvas.sd.model;

import java.util.Locale;

/**
 * What the UNet was trained to predict: the noise (eps) or the velocity v = alpha * noise - sigma_vp * image
 * (Salimans and Ho 2022), and how either becomes the denoised image k-diffusion's samplers step with.
 */
public enum Prediction {
    EPS, V;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The denoised estimate from the model's output at noise level {@code sigma}, for an input {@code x} = image +
     * sigma * noise (k-diffusion's {@code CompVisDenoiser} and {@code CompVisVDenoiser}, sigma_data 1):
     * eps gives x - sigma * eps; v gives c_skip * x + c_out * v with c_skip = 1/(sigma^2+1) and
     * c_out = -sigma/sqrt(sigma^2+1).
     */
    public float denoised(float x, float sigma, float output) {
        if (this == EPS) {
            return x - sigma * output;
        }
        double square = (double) sigma * sigma + 1;
        return (float) (x / square - sigma / Math.sqrt(square) * output);
    }
}
