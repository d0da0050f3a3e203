package com.mysticanvas.sd.pipeline;

import com.mysticanvas.sd.image.ImageTensors;

/** 8-bit RGB pixels, row-major, 3 bytes per pixel. */
public record RgbImage(byte[] rgb, int width, int height) {
    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException(rgb.length + " bytes for " + width + "x" + height + " RGB");
        }
    }

    /** This image at another size (an img2img input or mask fitted to the output), Lanczos as A1111 resizes. */
    public RgbImage resized(int w, int h) {
        return w == width && h == height ? this : new RgbImage(ImageTensors.resizeRgb(rgb, width, height, w, h), w, h);
    }

    /** Channel {@code c} of pixel (x, y), 0..255. */
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
