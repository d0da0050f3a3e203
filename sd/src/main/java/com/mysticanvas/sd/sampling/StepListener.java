package com.mysticanvas.sd.sampling;

/** Called after each sampler step (1-based); return false to cancel between steps. */
@FunctionalInterface
public interface StepListener {
    boolean onStep(int step, int steps, float[] x, float[] denoised);
}
