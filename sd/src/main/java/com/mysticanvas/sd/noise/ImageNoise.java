package com.mysticanvas.sd.noise;

/**
 * One image's noise as A1111's {@code ImageRNG} makes it: the starting latent noise of its seed (varied by the
 * variation seed, or taken from another size), and the generator its sampler steps draw from afterwards.
 */
public final class ImageNoise {
    /** When the two noises point this nearly the same way A1111 blends them linearly, not by slerp. */
    private static final double NEARLY_PARALLEL = 0.9995;

    private ImageNoise() {}

    /**
     * @param noise the starting noise, channels x height x width (latent cells)
     * @param steps where the sampler's fresh noise comes from
     * @param seed  the image's seed (the SDE samplers' Brownian tree is seeded with it, as A1111's)
     */
    public record Start(float[] noise, NoiseStream steps, long seed) {}

    /**
     * The noise of an image with this seed and variation seed, its latent {@code channels x height x width};
     * {@code factor} turns a "resize seed from" size into latent cells (the VAE's, 8).
     */
    public static Start start(NoiseSettings s, long seed, long subseed, int channels, int height, int width, int factor) {
        Rng rng = s.rng();
        NoiseStream generator = rng.stream(seed);
        int fromHeight = s.resized() ? s.resizeFromHeight() / factor : height;
        int fromWidth = s.resized() ? s.resizeFromWidth() / factor : width;
        boolean resized = fromHeight != height || fromWidth != width;
        int fromSize = channels * fromHeight * fromWidth;
        float[] sub = s.varied() ? rng.stream(subseed).next(fromSize) : null;
        // The other size's noise comes from a generator of its own; the image's generator still makes its full draw.
        float[] noise = resized ? rng.stream(seed).next(fromSize) : generator.next(fromSize);
        if (sub != null) {
            noise = slerp(s.subseedStrength(), noise, sub, channels, fromHeight, fromWidth);
        }
        if (resized) {
            float[] full = generator.next(channels * height * width);
            centre(noise, channels, fromHeight, fromWidth, full, height, width);
            noise = full;
        }
        NoiseStream steps = s.etaNoiseSeedDelta() != 0 ? rng.stream(seed + s.etaNoiseSeedDelta()) : generator;
        return new Start(noise, steps, seed);
    }

    /**
     * A1111's {@code slerp(val, low, high)} on one image's noise: normalised along the height axis (torch's dim 1 of
     * channels x height x width), so each channel's column is interpolated on its own sphere; a linear blend when
     * the columns are nearly parallel on average (with A1111's weights, val on {@code low}).
     */
    static float[] slerp(double val, float[] low, float[] high, int channels, int height, int width) {
        int columns = channels * width;
        double[] dot = new double[columns];
        double[] lowNorm = new double[columns];
        double[] highNorm = new double[columns];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = (c * height + y) * width + x;
                    int col = c * width + x;
                    lowNorm[col] += (double) low[i] * low[i];
                    highNorm[col] += (double) high[i] * high[i];
                }
            }
        }
        double meanDot = 0;
        for (int col = 0; col < columns; col++) {
            lowNorm[col] = Math.sqrt(lowNorm[col]);
            highNorm[col] = Math.sqrt(highNorm[col]);
        }
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = (c * height + y) * width + x;
                    int col = c * width + x;
                    dot[col] += (low[i] / lowNorm[col]) * (high[i] / highNorm[col]);
                }
            }
        }
        for (double d : dot) {
            meanDot += d / columns;
        }
        float[] out = new float[low.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = (c * height + y) * width + x;
                    if (meanDot > NEARLY_PARALLEL) {
                        out[i] = (float) (low[i] * val + high[i] * (1 - val));
                        continue;
                    }
                    double omega = Math.acos(dot[c * width + x]);
                    double so = Math.sin(omega);
                    out[i] = (float) (Math.sin((1 - val) * omega) / so * low[i] + Math.sin(val * omega) / so * high[i]);
                }
            }
        }
        return out;
    }

    /** Pastes {@code from} centred into {@code into} (cropped where larger), as A1111's "resize seed from" does. */
    static void centre(float[] from, int channels, int fromHeight, int fromWidth, float[] into, int height, int width) {
        int dx = Math.floorDiv(width - fromWidth, 2);
        int dy = Math.floorDiv(height - fromHeight, 2);
        int w = dx >= 0 ? fromWidth : fromWidth + 2 * dx;
        int h = dy >= 0 ? fromHeight : fromHeight + 2 * dy;
        int tx = Math.max(dx, 0);
        int ty = Math.max(dy, 0);
        int sx = Math.max(-dx, 0);
        int sy = Math.max(-dy, 0);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(from, (c * fromHeight + sy + y) * fromWidth + sx, into, (c * height + ty + y) * width + tx, w);
            }
        }
    }
}
