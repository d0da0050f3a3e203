package com.mysticanvas.sd.pipeline;

/** 8-bit RGB pixels, row-major, 3 bytes per pixel. */
public record RgbImage(byte[] rgb, int width, int height) {
    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException(rgb.length + " bytes for " + width + "x" + height + " RGB");
        }
    }

    /** Bilinear resampling to another size (the input of img2img is fitted to the output size). */
    public RgbImage resized(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            double sy = Math.max(0, (y + 0.5) * height / h - 0.5);
            int y0 = Math.min((int) sy, height - 1);
            int y1 = Math.min(y0 + 1, height - 1);
            double fy = sy - y0;
            for (int x = 0; x < w; x++) {
                double sx = Math.max(0, (x + 0.5) * width / w - 0.5);
                int x0 = Math.min((int) sx, width - 1);
                int x1 = Math.min(x0 + 1, width - 1);
                double fx = sx - x0;
                for (int c = 0; c < 3; c++) {
                    double v = (1 - fy) * ((1 - fx) * at(x0, y0, c) + fx * at(x1, y0, c))
                            + fy * ((1 - fx) * at(x0, y1, c) + fx * at(x1, y1, c));
                    out[(y * w + x) * 3 + c] = (byte) Math.round(v);
                }
            }
        }
        return new RgbImage(out, w, h);
    }

    int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Planar [3,H,W] floats in [-1,1], as the VAE encoder takes them. */
    public float[] toPlanar() {
        int n = width * height;
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * n + i] = (rgb[i * 3 + c] & 0xff) / 127.5f - 1;
            }
        }
        return out;
    }

    /** From planar [3,H,W] floats in [-1,1] (clamped). */
    public static RgbImage fromPlanar(float[] planar, int width, int height) {
        int n = width * height;
        byte[] rgb = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (planar[c * n + i] + 1) * 127.5f;
                rgb[i * 3 + c] = (byte) Math.round(Math.max(0, Math.min(255, v)));
            }
        }
        return new RgbImage(rgb, width, height);
    }
}
