package com.mysticanvas.sd.testing;

import com.mysticanvas.sd.synth.SdSynthModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny synthetic models, written once per test JVM into a temporary models folder. */
public final class TinyModels {
    private static Path root;

    private TinyModels() {}

    /** The models folder (with sd/checkpoints, sd/loras, sd/vae below it). */
    public static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("mysti-sd-tiny");
                SdSynthModels.write("tiny", root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static Path checkpoint() {
        return root().resolve("sd/checkpoints/tiny-sd.safetensors");
    }

    /** Another tiny checkpoint by file stem: {@code tiny-sd2}, {@code tiny-sdxl}, {@code tiny-sdxl-refiner}. */
    public static Path checkpoint(String stem) {
        return root().resolve("sd/checkpoints/" + stem + ".safetensors");
    }

    /** A tiny LoRA by file stem: {@code tiny-lora} (SD 1.x), {@code tiny-sd2-lora}, {@code tiny-sdxl-lora}. */
    public static Path lora(String stem) {
        return root().resolve("sd/loras/" + stem + ".safetensors");
    }

    public static Path lora() {
        return root().resolve("sd/loras/tiny-lora.safetensors");
    }

    public static Path vae() {
        return root().resolve("sd/vae/tiny-vae.safetensors");
    }
}
