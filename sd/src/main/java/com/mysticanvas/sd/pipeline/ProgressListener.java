package com.mysticanvas.sd.pipeline;

import java.util.function.Supplier;

/** Progress of a generation, after each sampler step; return false to stop between steps. */
@FunctionalInterface
public interface ProgressListener {
    /** What stopping does to the image being made. */
    enum Stop {
        /** Drop it and everything after it: the generation ends in {@link GenerationCancelledException}. */
        CANCEL,
        /** Finish it from where it stands (its latest denoised estimate) and make no more: A1111's interrupt. */
        INTERRUPT,
        /** Finish it from where it stands and go on with the next image of the batch: A1111's skip. */
        SKIP
    }

    /**
     * @param image   0-based index of the image in the batch
     * @param step    1-based step just finished
     * @param preview makes a small PNG of the image as it stands (cheap latent projection, no VAE);
     *                call it during this callback only: the latent it reads is reused afterwards
     */
    boolean onStep(int image, int images, int step, int steps, Supplier<byte[]> preview);

    /** Asked once after {@link #onStep} returned false. */
    default Stop stop() {
        return Stop.CANCEL;
    }

    ProgressListener NONE = (image, images, step, steps, preview) -> true;
}
