package com.mysticanvas.sd.model;

import java.util.Locale;

/** Model families recognised from a checkpoint's tensor names; only SD 1.x is generated with today. */
public enum Family {
    SD1("Stable Diffusion 1.x", true),
    SD2("Stable Diffusion 2.x", false),
    SDXL("Stable Diffusion XL", false);

    private final String title;
    private final boolean supported;

    Family(String title, boolean supported) {
        this.title = title;
        this.supported = supported;
    }

    /** Its name in the API ({@code sd1}, {@code sd2}, {@code sdxl}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String title() {
        return title;
    }

    public boolean supported() {
        return supported;
    }
}
