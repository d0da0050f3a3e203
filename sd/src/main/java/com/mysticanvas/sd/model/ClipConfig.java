package com.mysticanvas.sd.model;

/**
 * The CLIP text encoder's shape, read from the checkpoint.
 *
 * @param vocab     token embedding rows (49408 for CLIP)
 * @param width     hidden size (768 in SD 1.x)
 * @param layers    transformer layers (12)
 * @param heads     attention heads (width / 64, at least 1)
 * @param ffWidth   MLP hidden size (3072)
 * @param positions position embedding rows (77)
 */
public record ClipConfig(int vocab, int width, int layers, int heads, int ffWidth, int positions) {
    public static final ClipConfig SD15 = new ClipConfig(49408, 768, 12, 12, 3072, 77);

    public static int headsFor(int width) {
        return width % 64 == 0 ? width / 64 : 1;
    }
}
