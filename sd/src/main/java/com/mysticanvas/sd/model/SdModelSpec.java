package com.mysticanvas.sd.model;

import java.util.List;

/**
 * What a checkpoint holds: its family, the networks' shapes and the key prefix of each, and what it says about its
 * training objective. The prefixes are the one place where checkpoint key names meet graph tensor names.
 *
 * @param textEncoders one (SD 1.x, SD 2.x, the SDXL refiner) or two (SDXL: ViT-L then bigG), in context order
 * @param prediction   what the checkpoint says its UNet predicts (a {@code v_pred} key), or null when it says nothing
 * @param ztsnr        trained on a zero-terminal-SNR schedule (a {@code ztsnr} key)
 */
public record SdModelSpec(Family family, List<TextEncoder> textEncoders, UNetConfig unet, String unetPrefix,
                          VaeConfig vae, String vaePrefix, Prediction prediction, boolean ztsnr) {
    public static final String SD1_UNET = "model.diffusion_model.";
    public static final String SD1_CLIP = "cond_stage_model.transformer.";
    public static final String SD2_CLIP = "cond_stage_model.model.";
    public static final String SDXL_CLIP_L = "conditioner.embedders.0.transformer.";
    public static final String SDXL_CLIP_G = "conditioner.embedders.1.model.";
    /** The refiner's only text encoder (bigG) sits at index 0. */
    public static final String REFINER_CLIP_G = "conditioner.embedders.0.model.";
    public static final String SD1_VAE = "first_stage_model.";

    /** A text encoder and the key prefix of its weights. */
    public record TextEncoder(ClipConfig config, String prefix) {}

    public SdModelSpec {
        textEncoders = List.copyOf(textEncoders);
    }

    /** The cross-attention context width the encoders make together. */
    public int contextWidth() {
        return textEncoders.stream().mapToInt(e -> e.config().width()).sum();
    }

    /** The encoder whose text projection gives SDXL's pooled embedding: the last one. */
    public TextEncoder pooledEncoder() {
        return textEncoders.getLast();
    }

    public SdModelSpec withUnet(UNetConfig u) {
        return new SdModelSpec(family, textEncoders, u, unetPrefix, vae, vaePrefix, prediction, ztsnr);
    }
}
