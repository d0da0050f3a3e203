package com.mysticanvas.sd.noise;

import com.mysticanvas.core.Problem;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where an image's noise comes from: A1111's "Random number generator source" setting ({@code randn_source}), plus
 * our own generator of before, kept so that the images made with it reproduce.
 */
public enum Rng {
    /**
     * A1111's default: torch's CUDA {@code randn}. Emulated as {@link #NV} is, so that an A1111 infotext reproduces
     * on any machine; A1111 on a GPU makes its sampler steps' noise with CUDA's own offsets, which depend on the GPU,
     * so ancestral samplers match A1111's NV source exactly and its GPU source only in their starting noise.
     */
    GPU("gpu", "GPU"),
    /** torch's CPU {@code randn} (Mersenne Twister), as A1111's CPU source and ComfyUI make noise. */
    CPU("cpu", "CPU"),
    /** A1111's NV source: its CPU emulation of CUDA's Philox {@code randn}. */
    NV("nv", "NV"),
    /** MystiCanvas's own SplitMix64 noise, the only one before these, for the images made with it. */
    MYSTICANVAS("mysticanvas", "MystiCanvas");

    public static final Rng DEFAULT = GPU;

    private final String id;
    private final String a1111Name;

    Rng(String id, String a1111Name) {
        this.id = id;
        this.a1111Name = a1111Name;
    }

    /** Our name, as requests give it. */
    public String id() {
        return id;
    }

    /** A1111's name (its {@code randn_source} option and infotext "RNG"). */
    public String a1111Name() {
        return a1111Name;
    }

    /** A fresh generator for a seed. */
    public NoiseStream stream(long seed) {
        return switch (this) {
            case GPU, NV -> new PhiloxNoise(seed);
            case CPU -> new TorchCpuNoise(seed);
            case MYSTICANVAS -> GaussianNoise.stream(seed);
        };
    }

    /** By our id or A1111's name, case-insensitive; an unknown one is bad input. */
    public static Rng named(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (Rng r : values()) {
            if (r.id.equals(wanted) || r.a1111Name.toLowerCase(Locale.ROOT).equals(wanted)) {
                return r;
            }
        }
        throw Problem.badInput("unknown rng '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Rng::a1111Name).collect(Collectors.joining(", ")));
    }
}
