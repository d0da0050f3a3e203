package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OrtException;

/**
 * VAE decoding of a large latent in overlapping tiles, blended with linear ramps across the overlaps, so peak
 * memory is that of one tile's decode whatever the image size (1024x1024 decodes as 512x512 pieces).
 */
public final class TiledDecoder {
    /** Decodes one latent tile [c,h,w] to an image tile [3,h*f,w*f]. */
    @FunctionalInterface
    public interface TileDecoder {
        float[] decode(float[] latent, int height, int width) throws OrtException;
    }

    /** Sees one latent tile [c,height,width] whose top-left cell is (y0, x0) of the whole. */
    @FunctionalInterface
    public interface TileVisitor {
        void visit(float[] piece, int y0, int x0, int height, int width) throws OrtException;
    }

    private TiledDecoder() {}

    /** Cuts [c,h,w] into the tiles {@link #decode} decodes, in its order, and shows each to {@code visitor}. */
    public static void forEachTile(float[] latent, int channels, int height, int width, int tile, int overlap,
                                   TileVisitor visitor) throws OrtException {
        for (int y0 : starts(height, tile, overlap)) {
            for (int x0 : starts(width, tile, overlap)) {
                int th = Math.min(tile, height - y0);
                int tw = Math.min(tile, width - x0);
                float[] piece = new float[channels * th * tw];
                for (int c = 0; c < channels; c++) {
                    for (int y = 0; y < th; y++) {
                        System.arraycopy(latent, (c * height + y0 + y) * width + x0, piece, (c * th + y) * tw, tw);
                    }
                }
                visitor.visit(piece, y0, x0, th, tw);
            }
        }
    }

    /** Decodes [c,h,w] to [3,h*factor,w*factor]; tiles of {@code tile} latent cells overlapping by {@code overlap}. */
    public static float[] decode(float[] latent, int channels, int height, int width, int factor, int tile, int overlap,
                                 TileDecoder decoder) throws OrtException {
        if (height <= tile && width <= tile) {
            return decoder.decode(latent, height, width);
        }
        int outH = height * factor;
        int outW = width * factor;
        float[] out = new float[3 * outH * outW];
        float[] weights = new float[outH * outW];
        forEachTile(latent, channels, height, width, tile, overlap, (piece, y0, x0, th, tw) -> {
            float[] img = decoder.decode(piece, th, tw);
            int ph = th * factor;
            int pw = tw * factor;
            int ramp = overlap * factor;
            for (int y = 0; y < ph; y++) {
                float wy = ramp(y, ph, ramp, y0 == 0, y0 + th == height);
                for (int x = 0; x < pw; x++) {
                    float wgt = wy * ramp(x, pw, ramp, x0 == 0, x0 + tw == width);
                    int o = (y0 * factor + y) * outW + x0 * factor + x;
                    weights[o] += wgt;
                    for (int c = 0; c < 3; c++) {
                        out[c * outH * outW + o] += wgt * img[(c * ph + y) * pw + x];
                    }
                }
            }
        });
        for (int i = 0; i < weights.length; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * outH * outW + i] /= weights[i];
            }
        }
        return out;
    }

    /** Tile origins covering [0,size) with tiles of {@code tile} overlapping by at least {@code overlap}. */
    static int[] starts(int size, int tile, int overlap) {
        if (size <= tile) {
            return new int[] {0};
        }
        int stride = tile - overlap;
        int n = (size - overlap + stride - 1) / stride;
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.min(i * stride, size - tile);
        }
        return s;
    }

    /** Weight rising from the tile's inner edges over {@code ramp} pixels; flat at the image's own borders. */
    private static float ramp(int i, int length, int ramp, boolean atStart, boolean atEnd) {
        float w = 1;
        if (!atStart) {
            w = Math.min(w, (i + 0.5f) / ramp);
        }
        if (!atEnd) {
            w = Math.min(w, (length - i - 0.5f) / ramp);
        }
        return Math.max(w, 1e-3f);
    }
}
