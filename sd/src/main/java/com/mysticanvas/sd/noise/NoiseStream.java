package com.mysticanvas.sd.noise;

/**
 * A seeded generator of standard-normal noise, drawn from in order: as in A1111, an image's generator gives its
 * starting noise first, then the fresh noise of each ancestral sampler step, so the order of draws is part of what
 * a seed means.
 */
@FunctionalInterface
public interface NoiseStream {
    /** The next {@code n} values. */
    float[] next(int n);
}
