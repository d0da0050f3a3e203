package com.mysticanvas.sd.image;

import java.util.Map;

/**
 * A cheap look at a latent while it is being sampled, without the VAE: each latent pixel's 4 channels
 * mapped to RGB by a fixed linear projection, one image pixel per latent pixel (64x64 for a 512x512
 * image). The SD 1.x factors are the ones A1111 uses for its "Approx cheap" live preview (first published
 * by Keturn on the Hugging Face forum, "Decoding latents to RGB without upscaling"); they fit the
 * sampler's latents (already multiplied by the VAE's 0.18215).
 */
public final class LatentPreview {
    /** Rows: latent channels; columns: R, G, B contributions. */
    static final float[][] SD1_FACTORS = {
        {0.298f, 0.207f, 0.208f},
        {0.187f, 0.286f, 0.173f},
        {-0.158f, 0.189f, 0.264f},
        {-0.184f, -0.271f, -0.473f},
    };

    private LatentPreview() {}

    /** Latent {@code index} of a [N, 4, latentHeight, latentWidth] tensor as RGB bytes, row-major. */
    public static byte[] rgb(float[] latent, int index, int latentWidth, int latentHeight) {
        int channels = SD1_FACTORS.length;
        int plane = latentWidth * latentHeight;
        if (latentWidth <= 0 || latentHeight <= 0 || index < 0 || (long) (index + 1) * channels * plane > latent.length) {
            throw new IllegalArgumentException("latent of " + latent.length + " values has no item " + index
                    + " of " + channels + "x" + latentHeight + "x" + latentWidth);
        }
        int base = index * channels * plane;
        byte[] out = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float sum = 0;
                for (int k = 0; k < channels; k++) {
                    sum += latent[base + k * plane + i] * SD1_FACTORS[k][c];
                }
                out[3 * i + c] = ImageTensors.toByte(sum); // the projection lands in about [-1, 1], like the VAE's output
            }
        }
        return out;
    }

    /** The preview as a small PNG (for progress events and A1111's {@code current_image}). */
    public static byte[] png(float[] latent, int index, int latentWidth, int latentHeight) {
        return Png.encode(rgb(latent, index, latentWidth, latentHeight), latentWidth, latentHeight, Map.of());
    }
}
