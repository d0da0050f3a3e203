package com.mysticanvas.sd.synth;

import java.io.IOException;
import java.nio.file.Path;

/** Writes random-weight Stable Diffusion checkpoints, LoRAs and VAEs for tests and benchmarks. */
public final class SdSynthModels {
    private SdSynthModels() {}

    /** Writes the preset's image models under {@code out/sd/}; presets without one write nothing. */
    public static void write(String preset, Path out) throws IOException {
        throw new UnsupportedOperationException("safetensors writer not implemented yet (issue 6)");
    }
}
