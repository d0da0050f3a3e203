package com.mysticanvas.sd.model;

/**
 * A CLIP text encoder's shape, read from the checkpoint.
 *
 * @param kind       which implementation's names and activation it has
 * @param vocab      token embedding rows (49408 for CLIP)
 * @param width      hidden size (768 ViT-L, 1024 OpenCLIP ViT-H, 1280 ViT-bigG)
 * @param layers     transformer layers (12, 24, 32)
 * @param heads      attention heads (width / 64, at least 1)
 * @param ffWidth    MLP hidden size (4 x width)
 * @param positions  position embedding rows (77)
 * @param projection has a {@code text_projection} for the pooled embedding (OpenCLIP; SDXL uses bigG's)
 */
public record ClipConfig(Kind kind, int vocab, int width, int layers, int heads, int ffWidth, int positions,
                         boolean projection) {
    /** OpenAI's CLIP token ids. */
    public static final int START = 49406;
    public static final int END = 49407;

    public enum Kind {
        /** OpenAI's CLIP in Hugging Face's names ({@code text_model.*}), quick-GELU; pads windows with the end token. */
        OPENAI,
        /** OpenCLIP's names ({@code transformer.resblocks.*}, fused {@code in_proj}), exact GELU; pads with 0. */
        OPEN_CLIP;

        /** The id that fills a window after its end token (A1111's {@code id_pad}). */
        public int padToken() {
            return this == OPENAI ? END : 0;
        }
    }

    public static final ClipConfig SD15 = new ClipConfig(Kind.OPENAI, 49408, 768, 12, 12, 3072, 77, false);
    /** OpenCLIP ViT-H/14, SD 2.x's text encoder. */
    public static final ClipConfig VIT_H = new ClipConfig(Kind.OPEN_CLIP, 49408, 1024, 24, 16, 4096, 77, true);
    /** OpenCLIP ViT-bigG/14, SDXL's second text encoder (and the refiner's only one). */
    public static final ClipConfig VIT_BIGG = new ClipConfig(Kind.OPEN_CLIP, 49408, 1280, 32, 20, 5120, 77, true);

    public static int headsFor(int width) {
        return width % 64 == 0 ? width / 64 : 1;
    }
}
