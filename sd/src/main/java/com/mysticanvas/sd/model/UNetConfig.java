package com.mysticanvas.sd.model;

import java.util.Arrays;

/**
 * The UNet's shape, read from the checkpoint (ldm's / sgm's {@code UNetModel} arguments).
 *
 * @param inChannels   latent channels in (4; 9 for inpainting models)
 * @param outChannels  latent channels out (4)
 * @param channels     model channels of the first level (320; the SDXL refiner 384)
 * @param mult         channel multiplier per level ([1,2,4,4]; SDXL [1,2,4])
 * @param resBlocks    ResBlocks per level on the way down (2; the way up has one more)
 * @param depth        per level: transformer blocks in the SpatialTransformer after each ResBlock, 0 for none
 *                     (SD 1.x/2.x [1,1,1,0]; SDXL [0,2,10])
 * @param midDepth     transformer blocks in the middle block's SpatialTransformer (SDXL 10)
 * @param heads        attention heads, the same at every level (SD 1.x: 8), or 0 when {@code headDim} is set
 * @param headDim      channels per attention head (SD 2.x and SDXL: 64; heads = channels / 64), or 0
 * @param contextWidth cross-attention context width (768; SD 2.x 1024; SDXL 2048, both encoders side by side)
 * @param linearProjection the transformers' proj_in/proj_out are linear layers on tokens (SD 2.x, SDXL), not 1x1
 *                     convolutions (SD 1.x)
 * @param admChannels  width of the vector input {@code y} added to the timestep embedding through {@code label_emb}
 *                     (SDXL 2816, refiner 2560), 0 when the UNet has none
 */
public record UNetConfig(int inChannels, int outChannels, int channels, int[] mult, int resBlocks, int[] depth,
                         int midDepth, int heads, int headDim, int contextWidth, boolean linearProjection,
                         int admChannels) {
    public static final UNetConfig SD15 = new UNetConfig(4, 4, 320, new int[] {1, 2, 4, 4}, 2,
            new int[] {1, 1, 1, 0}, 1, 8, 0, 768, false, 0);
    public static final UNetConfig SD21 = new UNetConfig(4, 4, 320, new int[] {1, 2, 4, 4}, 2,
            new int[] {1, 1, 1, 0}, 1, 0, 64, 1024, true, 0);
    public static final UNetConfig SDXL = new UNetConfig(4, 4, 320, new int[] {1, 2, 4}, 2,
            new int[] {0, 2, 10}, 10, 0, 64, 2048, true, 2816);
    public static final UNetConfig SDXL_REFINER = new UNetConfig(4, 4, 384, new int[] {1, 2, 4, 4}, 2,
            new int[] {0, 4, 4, 0}, 4, 0, 64, 1280, true, 2560);

    public UNetConfig {
        if (depth.length != mult.length) {
            throw new IllegalArgumentException("depth per level: " + depth.length + " values for " + mult.length + " levels");
        }
        if ((heads > 0) == (headDim > 0)) {
            throw new IllegalArgumentException("set exactly one of heads (" + heads + ") and headDim (" + headDim + ")");
        }
    }

    public int levels() {
        return mult.length;
    }

    /** Whether the ResBlocks of {@code level} are followed by a SpatialTransformer. */
    public boolean attention(int level) {
        return depth[level] > 0;
    }

    /** Attention heads of a transformer with {@code width} channels. */
    public int headsAt(long width) {
        return headDim > 0 ? (int) Math.max(1, width / headDim) : heads;
    }

    public int timeWidth() {
        return channels * 4;
    }

    /** The same UNet taking {@code channels} latent channels in (an inpainting variant takes 9). */
    public UNetConfig withInChannels(int channels) {
        return new UNetConfig(channels, outChannels, this.channels, mult, resBlocks, depth, midDepth, heads, headDim,
                contextWidth, linearProjection, admChannels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && c.inChannels == inChannels && c.outChannels == outChannels
                && c.channels == channels && Arrays.equals(c.mult, mult) && c.resBlocks == resBlocks
                && Arrays.equals(c.depth, depth) && c.midDepth == midDepth && c.heads == heads && c.headDim == headDim
                && c.contextWidth == contextWidth && c.linearProjection == linearProjection
                && c.admChannels == admChannels;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mult) * 31 + channels;
    }

    @Override
    public String toString() {
        return "UNet(in=" + inChannels + ", out=" + outChannels + ", channels=" + channels + ", mult="
                + Arrays.toString(mult) + ", resBlocks=" + resBlocks + ", depth=" + Arrays.toString(depth)
                + ", mid=" + midDepth + (headDim > 0 ? ", headDim=" + headDim : ", heads=" + heads)
                + ", context=" + contextWidth + (linearProjection ? ", linear" : "")
                + (admChannels > 0 ? ", adm=" + admChannels : "") + ")";
    }
}
