package com.mysticanvas.sd.model;

import java.util.Arrays;

/**
 * The UNet's shape, read from the checkpoint (ldm's {@code UNetModel} arguments).
 *
 * @param inChannels   latent channels in (4; 9 for inpainting models)
 * @param outChannels  latent channels out (4)
 * @param channels     model channels of the first level (320)
 * @param mult         channel multiplier per level ([1,2,4,4])
 * @param resBlocks    ResBlocks per level on the way down (2; the way up has one more)
 * @param attention    per level: has a SpatialTransformer after each ResBlock
 * @param heads        attention heads (SD 1.x: 8)
 * @param contextWidth cross-attention context width (the text encoder's width, 768)
 * @param depth        transformer blocks per SpatialTransformer (1)
 */
public record UNetConfig(int inChannels, int outChannels, int channels, int[] mult, int resBlocks,
                         boolean[] attention, int heads, int contextWidth, int depth) {
    public static final UNetConfig SD15 = new UNetConfig(4, 4, 320, new int[] {1, 2, 4, 4}, 2,
            new boolean[] {true, true, true, false}, 8, 768, 1);

    public int levels() {
        return mult.length;
    }

    public int timeWidth() {
        return channels * 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && c.inChannels == inChannels && c.outChannels == outChannels
                && c.channels == channels && Arrays.equals(c.mult, mult) && c.resBlocks == resBlocks
                && Arrays.equals(c.attention, attention) && c.heads == heads && c.contextWidth == contextWidth
                && c.depth == depth;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mult) * 31 + channels;
    }

    @Override
    public String toString() {
        return "UNet(in=" + inChannels + ", out=" + outChannels + ", channels=" + channels + ", mult="
                + Arrays.toString(mult) + ", resBlocks=" + resBlocks + ", attention=" + Arrays.toString(attention)
                + ", heads=" + heads + ", context=" + contextWidth + ", depth=" + depth + ")";
    }
}
