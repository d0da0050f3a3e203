package com.mysticanvas.sd.pipeline;

/** Progress of a generation; return false to cancel between steps. */
@FunctionalInterface
public interface ProgressListener {
    boolean onStep(int image, int images, int step, int steps);

    ProgressListener NONE = (image, images, step, steps) -> true;
}
