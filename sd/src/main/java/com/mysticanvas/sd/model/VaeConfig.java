package com.mysticanvas.sd.model;

import java.util.Arrays;

/**
 * The VAE's shape, read from the checkpoint (ldm's {@code AutoencoderKL}).
 *
 * @param imageChannels 3
 * @param channels      channels of the first level (128)
 * @param mult          channel multiplier per level ([1,2,4,4])
 * @param resBlocks     ResBlocks per encoder level (2; the decoder has one more)
 * @param latentChannels z channels (4)
 * @param scale         latent scaling factor (0.18215 for SD 1.x/2.x)
 */
public record VaeConfig(int imageChannels, int channels, int[] mult, int resBlocks, int latentChannels, float scale) {
    public static final float SD_SCALE = 0.18215f;
    public static final VaeConfig SD15 = new VaeConfig(3, 128, new int[] {1, 2, 4, 4}, 2, 4, SD_SCALE);

    /** Pixels per latent cell along each side (8 for SD). */
    public int factor() {
        return 1 << (mult.length - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VaeConfig c && c.imageChannels == imageChannels && c.channels == channels
                && Arrays.equals(c.mult, mult) && c.resBlocks == resBlocks && c.latentChannels == latentChannels
                && c.scale == scale;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mult) * 31 + channels;
    }

    @Override
    public String toString() {
        return "VAE(channels=" + channels + ", mult=" + Arrays.toString(mult) + ", resBlocks=" + resBlocks
                + ", latent=" + latentChannels + ")";
    }
}
