package com.mysticanvas.sd.pipeline;

import java.util.function.Supplier;

/** Progress of a generation, after each sampler step; return false to cancel between steps. */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param image   0-based index of the image in the batch
     * @param step    1-based step just finished
     * @param preview makes a small PNG of the image as it stands (cheap latent projection, no VAE);
     *                call it during this callback only: the latent it reads is reused afterwards
     */
    boolean onStep(int image, int images, int step, int steps, Supplier<byte[]> preview);

    ProgressListener NONE = (image, images, step, steps, preview) -> true;
}
