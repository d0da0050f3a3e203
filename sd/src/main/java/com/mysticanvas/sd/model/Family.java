package com.mysticanvas.sd.model;

import java.util.List;
import java.util.Locale;

/** Model families recognised from a checkpoint's tensor names, each with what differs between them. */
public enum Family {
    SD1("Stable Diffusion 1.x", 0.18215f, List.of("512x512", "512x768", "768x512", "640x640", "768x768")),
    SD2("Stable Diffusion 2.x", 0.18215f, List.of("768x768", "512x512", "640x896", "896x640", "768x1024", "1024x768")),
    SDXL("Stable Diffusion XL", 0.13025f, Sizes.SDXL_BUCKETS),
    SDXL_REFINER("Stable Diffusion XL refiner", 0.13025f, Sizes.SDXL_BUCKETS);

    private final String title;
    private final float vaeScale;
    private final List<String> sizes;

    Family(String title, float vaeScale, List<String> sizes) {
        this.title = title;
        this.vaeScale = vaeScale;
        this.sizes = sizes;
    }

    /** Its name in the API ({@code sd1}, {@code sd2}, {@code sdxl}, {@code sdxl_refiner}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String title() {
        return title;
    }

    /** The latent scaling factor its VAE was trained with. */
    public float vaeScale() {
        return vaeScale;
    }

    /** The sizes it was trained at, the native one first (SDXL: its 1024x1024-pixel buckets). */
    public List<String> sizes() {
        return sizes;
    }

    public boolean xl() {
        return this == SDXL || this == SDXL_REFINER;
    }

    private static final class Sizes {
        static final List<String> SDXL_BUCKETS = List.of("1024x1024", "1152x896", "896x1152", "1216x832", "832x1216",
                "1344x768", "768x1344", "1536x640", "640x1536");
    }
}
