package com.mysticanvas.sd.image;

/**
 * Separable Lanczos-3 resizing of float planes, the filter A1111 uses (PIL's LANCZOS) to fit an
 * img2img input to the asked size. When shrinking, the kernel widens by the scale so every source
 * pixel counts (no aliasing). Pure Java and deterministic.
 */
final class Resampler {
    private static final double SUPPORT = 3;

    private Resampler() {}

    /** Resizes {@code planes} (each {@code width*height}, row-major) to {@code newWidth x newHeight}. */
    static float[][] resize(float[][] planes, int width, int height, int newWidth, int newHeight) {
        if (width == newWidth && height == newHeight) {
            return planes;
        }
        Kernel horizontal = new Kernel(width, newWidth);
        Kernel vertical = new Kernel(height, newHeight);
        float[][] out = new float[planes.length][];
        for (int p = 0; p < planes.length; p++) {
            float[] rows = new float[newWidth * height];
            for (int y = 0; y < height; y++) {
                horizontal.apply(planes[p], y * width, 1, rows, y * newWidth, 1);
            }
            float[] done = new float[newWidth * newHeight];
            for (int x = 0; x < newWidth; x++) {
                vertical.apply(rows, x, newWidth, done, x, newWidth);
            }
            out[p] = done;
        }
        return out;
    }

    /** The normalised weights of each output sample along one axis. */
    private static final class Kernel {
        private final int[] first;
        private final double[][] weights;

        Kernel(int in, int out) {
            double scale = (double) in / out;
            double stretch = Math.max(scale, 1);
            double support = SUPPORT * stretch;
            first = new int[out];
            weights = new double[out][];
            for (int i = 0; i < out; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), in);
                double[] w = new double[Math.max(hi - lo, 1)];
                double sum = 0;
                for (int j = 0; j < hi - lo; j++) {
                    w[j] = lanczos((j + lo - center + 0.5) / stretch);
                    sum += w[j];
                }
                if (sum == 0) {
                    lo = Math.min((int) center, in - 1);
                    w = new double[] {1};
                    sum = 1;
                }
                for (int j = 0; j < w.length; j++) {
                    w[j] /= sum;
                }
                first[i] = lo;
                weights[i] = w;
            }
        }

        void apply(float[] src, int srcStart, int srcStep, float[] dst, int dstStart, int dstStep) {
            for (int i = 0; i < first.length; i++) {
                double[] w = weights[i];
                int at = srcStart + first[i] * srcStep;
                double sum = 0;
                for (double weight : w) {
                    sum += weight * src[at];
                    at += srcStep;
                }
                dst[dstStart + i * dstStep] = (float) sum;
            }
        }
    }

    private static double lanczos(double x) {
        if (x == 0) {
            return 1;
        }
        if (x <= -SUPPORT || x >= SUPPORT) {
            return 0;
        }
        double px = Math.PI * x;
        return SUPPORT * Math.sin(px) * Math.sin(px / SUPPORT) / (px * px);
    }
}
