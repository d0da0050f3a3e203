package com.mysticanvas.sd.noise;

/**
 * What decides an image's noise besides its seed, as A1111 names it: the generator, the variation seed
 * ({@code subseed}, mixed in by {@code subseed_strength}), "resize seed from" (the noise of another size, centred),
 * the eta noise seed delta (ENSD: sampler steps draw from {@code seed + delta}), and eta, how much fresh noise the
 * samplers that take it add each step.
 *
 * @param subseed          the variation seed of the first image (image i uses subseed + i); only used when the
 *                         strength is not 0
 * @param resizeFromWidth  0, or the width whose noise to use (with {@code resizeFromHeight})
 * @param eta              0 to 1, for the samplers that take it ({@code Sampler#takesEta}); null: the sampler's default
 */
public record NoiseSettings(Rng rng, long subseed, double subseedStrength, int resizeFromWidth, int resizeFromHeight,
                            long etaNoiseSeedDelta, Double eta) {
    public static final NoiseSettings DEFAULT = new NoiseSettings(Rng.DEFAULT, 0, 0, 0, 0, 0, null);

    public NoiseSettings {
        if (rng == null) {
            throw new IllegalArgumentException("no rng");
        }
    }

    public boolean varied() {
        return subseedStrength != 0;
    }

    public boolean resized() {
        return resizeFromWidth > 0 && resizeFromHeight > 0;
    }

    public NoiseSettings withRng(Rng other) {
        return new NoiseSettings(other, subseed, subseedStrength, resizeFromWidth, resizeFromHeight, etaNoiseSeedDelta, eta);
    }

    public NoiseSettings withEta(Double other) {
        return new NoiseSettings(rng, subseed, subseedStrength, resizeFromWidth, resizeFromHeight, etaNoiseSeedDelta, other);
    }
}
