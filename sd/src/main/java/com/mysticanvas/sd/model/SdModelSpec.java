package com.mysticanvas.sd.model;

/**
 * What a checkpoint holds: its family, the three networks' shapes and the key prefix of each.
 * The prefixes are the one place where checkpoint key names meet graph tensor names.
 */
public record SdModelSpec(Family family, ClipConfig clip, String clipPrefix, UNetConfig unet, String unetPrefix,
                          VaeConfig vae, String vaePrefix) {
    public static final String SD1_UNET = "model.diffusion_model.";
    public static final String SD1_CLIP = "cond_stage_model.transformer.";
    public static final String SD1_VAE = "first_stage_model.";
}
