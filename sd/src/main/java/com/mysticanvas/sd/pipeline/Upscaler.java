package com.mysticanvas.sd.pipeline;


/**
 * How hires fix makes the first pass bigger, under A1111's names: in latent space, as torch's {@code interpolate}
 * (align_corners false, no antialiasing) resizes the latent, or in pixel space, the decoded image resized and
 * encoded again. Upscaler models are the other {@link UpscaleMethod}.
 */
public enum Upscaler implements UpscaleMethod {
    LATENT("Latent", true),
    LATENT_BICUBIC("Latent (bicubic)", true),
    LATENT_NEAREST("Latent (nearest)", true),
    LATENT_NEAREST_EXACT("Latent (nearest-exact)", true),
    LATENT_ANTIALIASED("Latent (antialiased)", true),
    LATENT_BICUBIC_ANTIALIASED("Latent (bicubic antialiased)", true),
    LANCZOS("Lanczos", false),
    NEAREST("Nearest", false);

    private static final double CUBIC_A = -0.75; // torch's bicubic

    private final String a1111Name;
    private final boolean latent;

    Upscaler(String a1111Name, boolean latent) {
        this.a1111Name = a1111Name;
        this.latent = latent;
    }

    @Override
    public String a1111Name() {
        return a1111Name;
    }

    /** True for the latent modes; the others work on the decoded image. */
    @Override
    public boolean latent() {
        return latent;
    }

    /** A latent {@code channels x h x w} resized to {@code H x W}, as torch's {@code interpolate} in this mode. */
    public float[] resizeLatent(float[] x, int channels, int h, int w, int newH, int newW) {
        if (this == LATENT_ANTIALIASED || this == LATENT_BICUBIC_ANTIALIASED) {
            return antialiased(x, channels, h, w, newH, newW, this == LATENT_BICUBIC_ANTIALIASED);
        }
        float[] out = new float[channels * newH * newW];
        double sy = (double) h / newH;
        double sx = (double) w / newW;
        for (int c = 0; c < channels; c++) {
            int base = c * h * w;
            for (int y = 0; y < newH; y++) {
                for (int xo = 0; xo < newW; xo++) {
                    out[(c * newH + y) * newW + xo] = (float) sample(x, base, h, w, y, xo, sy, sx);
                }
            }
        }
        return out;
    }

    private double sample(float[] x, int base, int h, int w, int y, int xo, double sy, double sx) {
        return switch (this) {
            case LATENT_NEAREST -> x[base + Math.min((int) Math.floor(y * sy), h - 1) * w + Math.min((int) Math.floor(xo * sx), w - 1)];
            case LATENT_NEAREST_EXACT -> x[base + Math.min((int) Math.floor((y + 0.5) * sy), h - 1) * w
                    + Math.min((int) Math.floor((xo + 0.5) * sx), w - 1)];
            case LATENT_BICUBIC -> {
                double fy = (y + 0.5) * sy - 0.5;
                double fx = (xo + 0.5) * sx - 0.5;
                int iy = (int) Math.floor(fy);
                int ix = (int) Math.floor(fx);
                double[] wy = cubicWeights(fy - iy);
                double[] wx = cubicWeights(fx - ix);
                double sum = 0;
                for (int j = 0; j < 4; j++) {
                    int yy = Math.clamp(iy - 1 + j, 0, h - 1);
                    double row = 0;
                    for (int i = 0; i < 4; i++) {
                        row += wx[i] * x[base + yy * w + Math.clamp(ix - 1 + i, 0, w - 1)];
                    }
                    sum += wy[j] * row;
                }
                yield sum;
            }
            default -> { // bilinear
                double fy = Math.max((y + 0.5) * sy - 0.5, 0);
                double fx = Math.max((xo + 0.5) * sx - 0.5, 0);
                int y0 = (int) fy;
                int x0 = (int) fx;
                int y1 = Math.min(y0 + 1, h - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double ly = fy - y0;
                double lx = fx - x0;
                yield (1 - ly) * ((1 - lx) * x[base + y0 * w + x0] + lx * x[base + y0 * w + x1])
                        + ly * ((1 - lx) * x[base + y1 * w + x0] + lx * x[base + y1 * w + x1]);
            }
        };
    }

    /**
     * torch's {@code interpolate(..., antialias=True)} (Pillow's resampling): each output a normalised sum over the
     * inputs under a filter stretched by the scale when shrinking (a triangle, or the cubic with a = -0.5),
     * separable, rows first.
     */
    private static float[] antialiased(float[] x, int channels, int h, int w, int newH, int newW, boolean cubic) {
        Taps cols = Taps.of(w, newW, cubic);
        Taps rows = Taps.of(h, newH, cubic);
        float[] out = new float[channels * newH * newW];
        double[] across = new double[h * newW];
        for (int c = 0; c < channels; c++) {
            int base = c * h * w;
            for (int y = 0; y < h; y++) {
                int row = base + y * w;
                for (int xo = 0; xo < newW; xo++) {
                    across[y * newW + xo] = cols.apply(i -> x[row + i], xo);
                }
            }
            for (int yo = 0; yo < newH; yo++) {
                for (int xo = 0; xo < newW; xo++) {
                    final int col = xo;
                    out[(c * newH + yo) * newW + xo] = (float) rows.apply(i -> across[i * newW + col], yo);
                }
            }
        }
        return out;
    }

    /** One axis's antialiased taps: for each output, its first input and normalised weights. */
    private record Taps(int[] first, double[][] weights) {
        static Taps of(int in, int out, boolean cubic) {
            double scale = (double) in / out;
            double support = (cubic ? 2 : 1) * Math.max(scale, 1);
            double inverse = scale >= 1 ? 1 / scale : 1;
            int[] first = new int[out];
            double[][] weights = new double[out][];
            for (int o = 0; o < out; o++) {
                double center = scale * (o + 0.5);
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), in);
                double[] wts = new double[Math.max(max - min, 0)];
                double total = 0;
                for (int j = 0; j < wts.length; j++) {
                    double t = Math.abs((j + min - center + 0.5) * inverse);
                    wts[j] = cubic ? (t < 1 ? ((-0.5 + 2) * t - (-0.5 + 3)) * t * t + 1 : t < 2 ? (((t - 5) * t + 8) * t - 4) * -0.5 : 0)
                            : Math.max(0, 1 - t);
                    total += wts[j];
                }
                for (int j = 0; j < wts.length; j++) {
                    wts[j] = total == 0 ? 0 : wts[j] / total;
                }
                first[o] = min;
                weights[o] = wts;
            }
            return new Taps(first, weights);
        }

        double apply(java.util.function.IntToDoubleFunction value, int o) {
            double sum = 0;
            for (int j = 0; j < weights[o].length; j++) {
                sum += weights[o][j] * value.applyAsDouble(first[o] + j);
            }
            return sum;
        }
    }

    /** Keys' cubic convolution weights (a = -0.75) for the four taps around a fractional offset t. */
    private static double[] cubicWeights(double t) {
        return new double[] {cubic(t + 1), cubic(t), cubic(1 - t), cubic(2 - t)};
    }

    private static double cubic(double d) {
        double a = CUBIC_A;
        d = Math.abs(d);
        return d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : d < 2 ? ((a * d - 5 * a) * d + 8 * a) * d - 4 * a : 0;
    }

    /** The decoded image resized for the pixel modes. */
    public RgbImage resizeImage(RgbImage image, int width, int height) {
        if (this == NEAREST) {
            byte[] out = new byte[width * height * 3];
            for (int y = 0; y < height; y++) {
                int sy = Math.min((int) ((y + 0.5) * image.height() / height), image.height() - 1);
                for (int x = 0; x < width; x++) {
                    int sx = Math.min((int) ((x + 0.5) * image.width() / width), image.width() - 1);
                    System.arraycopy(image.rgb(), (sy * image.width() + sx) * 3, out, (y * width + x) * 3, 3);
                }
            }
            return new RgbImage(out, width, height);
        }
        return image.resized(width, height); // Lanczos
    }
}
