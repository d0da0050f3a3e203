package com.mysticanvas.sd.model;

import java.util.Locale;

/** What the UNet was trained to predict: the noise (eps) or the velocity v = alpha * noise - sigma * image. */
public enum Prediction {
    EPS, V;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
