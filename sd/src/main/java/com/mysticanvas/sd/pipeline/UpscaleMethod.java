package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.Problem;
import java.util.Locale;

/**
 * How an image or latent is made bigger, under A1111's names: one of the built-in {@link Upscaler} modes, or an
 * upscaler model file of {@code models/sd/upscalers} named by its stem (as A1111 lists them: "4x-UltraSharp").
 */
public sealed interface UpscaleMethod permits Upscaler, UpscaleMethod.Model {
    /** A1111's "None" in the extras tab: no upscaler. */
    String NONE = "None";

    /** The name A1111 and infotexts use. */
    String a1111Name();

    /** True for the latent modes (hires fix only). */
    boolean latent();

    /** An upscaler model, resolved to its file when used (a name without a file is 404 then). */
    record Model(String name) implements UpscaleMethod {
        public Model {
            ModelFolders.requirePlainName("upscaler", name);
        }

        @Override
        public String a1111Name() {
            return name;
        }

        @Override
        public boolean latent() {
            return false;
        }
    }

    /** A built-in by its name (any case), else the model of that name. */
    static UpscaleMethod named(String name) {
        if (name == null || name.isBlank()) {
            throw Problem.badInput("an upscaler name is required");
        }
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (Upscaler u : Upscaler.values()) {
            if (u.a1111Name().toLowerCase(Locale.ROOT).equals(wanted)) {
                return u;
            }
        }
        return new Model(name.strip());
    }
}
