package com.mysticanvas.sd.image;

import com.mysticanvas.core.Problem;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Client images in and out of the pipeline's tensors: PNG/JPEG (any format {@code javax.imageio} reads)
 * decoded with a size check before any pixel is allocated, resized to the asked size (stretched, A1111's
 * "Just resize", Lanczos), as NCHW floats in [-1, 1]; masks as one channel in [0, 1]; decoded tensors
 * back to 8-bit RGB.
 */
public final class ImageTensors {
    /** Largest image side accepted from a client. */
    public static final int MAX_SIDE = 8192;
    /** Largest pixel count accepted from a client (about 4 times 2048x2048). */
    public static final long MAX_PIXELS = 16L << 20;

    /** Which pixels of a mask image mean "paint here". */
    public enum MaskMode {
        /**
         * A1111: white means repaint. An image with real transparency gives its alpha, cut at 128
         * (A1111's {@code create_binary_mask}); otherwise the luminance, 0.299 R + 0.587 G + 0.114 B.
         */
        A1111,
        /** OpenAI's images/edits: fully transparent pixels are the ones to edit; the mask is 1 - alpha. */
        OPENAI
    }

    private ImageTensors() {}

    /** The bytes of a base64 image, with or without a {@code data:image/...;base64,} prefix. */
    public static byte[] fromBase64(String data) {
        if (data == null || data.isBlank()) {
            throw Problem.badInput("image is empty");
        }
        String body = data.strip();
        if (body.startsWith("data:")) {
            int comma = body.indexOf(',');
            if (comma < 0 || !body.substring(0, comma).endsWith(";base64")) {
                throw Problem.badInput("image data URL must be base64 (data:image/png;base64,...)");
            }
            body = body.substring(comma + 1);
        }
        try {
            return Base64.getMimeDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw Problem.badInput("image is not valid base64: " + e.getMessage());
        }
    }

    /** Decodes an image file; refuses what is not an image or is larger than {@link #MAX_SIDE} / {@link #MAX_PIXELS}. */
    public static BufferedImage decode(byte[] bytes) {
        // In memory: ImageIO's default stream would spool client bytes to a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw Problem.badInput("image is not a PNG, JPEG, GIF or BMP file that can be read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE || (long) width * height > MAX_PIXELS) {
                    throw Problem.tooLarge("image is " + width + "x" + height + "; the limit is " + MAX_SIDE
                            + " pixels a side and " + (MAX_PIXELS >> 20) + " megapixels");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof Problem api) {
                throw api;
            }
            throw Problem.badInput("image cannot be decoded: " + e.getMessage());
        }
    }

    /**
     * The image as a [1, 3, height, width] tensor in [-1, 1], resized to {@code width x height}.
     * Transparent pixels are laid on white first (A1111's default img2img background).
     */
    public static float[] toTensor(BufferedImage image, int width, int height) {
        checkSize(width, height);
        int w = image.getWidth();
        int h = image.getHeight();
        float[][] planes = new float[3][w * h];
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < argb.length; i++) {
            int alpha = argb[i] >>> 24;
            for (int c = 0; c < 3; c++) {
                int value = (argb[i] >> (16 - 8 * c)) & 0xFF;
                planes[c][i] = (value * alpha + 255 * (255 - alpha)) / 255f;
            }
        }
        float[][] sized = Resampler.resize(planes, w, h, width, height);
        float[] out = new float[3 * width * height];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < width * height; i++) {
                out[c * width * height + i] = Math.clamp(sized[c][i], 0f, 255f) / 127.5f - 1f;
            }
        }
        return out;
    }

    /** A mask as {@code width*height} values in [0, 1] (1 = repaint), resized to the pipeline's size (pixel or latent). */
    public static float[] toMask(BufferedImage image, int width, int height, MaskMode mode) {
        checkSize(width, height);
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        boolean transparency = image.getColorModel().hasAlpha() && anyTransparent(argb);
        float[] mask = new float[w * h];
        for (int i = 0; i < argb.length; i++) {
            int alpha = argb[i] >>> 24;
            mask[i] = switch (mode) {
                case OPENAI -> 1 - alpha / 255f;
                case A1111 -> transparency ? (alpha > 128 ? 1f : 0f) : luminance(argb[i]) / 255f;
            };
        }
        float[] sized = Resampler.resize(new float[][] {mask}, w, h, width, height)[0];
        for (int i = 0; i < sized.length; i++) {
            sized[i] = Math.clamp(sized[i], 0f, 1f);
        }
        return sized;
    }

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size " + width + "x" + height + " is empty");
        }
    }

    private static boolean anyTransparent(int[] argb) {
        for (int p : argb) {
            if (p >>> 24 != 255) {
                return true;
            }
        }
        return false;
    }

    private static float luminance(int argb) {
        return 0.299f * ((argb >> 16) & 0xFF) + 0.587f * ((argb >> 8) & 0xFF) + 0.114f * (argb & 0xFF);
    }

    /**
     * 8-bit RGB pixels (row-major, 3 bytes each) resized with the same Lanczos filter as client images, as Pillow
     * resizes 8-bit images (which A1111 uses): the horizontal pass first, rounded and clipped to 8 bits, then the
     * vertical one.
     */
    public static byte[] resizeRgb(byte[] rgb, int width, int height, int newWidth, int newHeight) {
        int n = width * height;
        float[][] planes = new float[3][n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                planes[c][i] = rgb[3 * i + c] & 0xFF;
            }
        }
        float[][] rows = Resampler.resize(planes, width, height, newWidth, height);
        for (float[] plane : rows) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = Math.round(Math.clamp(plane[i], 0f, 255f));
            }
        }
        float[][] sized = Resampler.resize(rows, newWidth, height, newWidth, newHeight);
        byte[] out = new byte[3 * newWidth * newHeight];
        for (int i = 0; i < newWidth * newHeight; i++) {
            for (int c = 0; c < 3; c++) {
                out[3 * i + c] = (byte) Math.round(Math.clamp(sized[c][i], 0f, 255f));
            }
        }
        return out;
    }

    /** Image {@code index} of a [N, 3, height, width] tensor in [-1, 1] as 8-bit RGB, row-major (rounded, clamped). */
    public static byte[] toRgb(float[] nchw, int index, int width, int height) {
        int plane = width * height;
        if (index < 0 || (long) (index + 1) * 3 * plane > nchw.length) {
            throw new IllegalArgumentException("tensor of " + nchw.length + " values has no image " + index
                    + " of 3x" + height + "x" + width);
        }
        int base = index * 3 * plane;
        byte[] rgb = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[3 * i + c] = toByte(nchw[base + c * plane + i]);
            }
        }
        return rgb;
    }

    /** A value in [-1, 1] as 0..255, rounded; outside values clamp. */
    static byte toByte(float value) {
        return (byte) Math.round(Math.clamp((value + 1f) * 127.5f, 0f, 255f));
    }
}
