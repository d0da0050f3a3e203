package com.mysticanvas.sd.noise;

import static com.mysticanvas.sd.noise.PhiloxNoiseTest.crc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * One image's noise against A1111's own {@code ImageRNG} (modules/rng.py, commit 0d5dc9a) run with torch 1.13.1 on
 * the CPU: latent 4x8x10, seeds [5, 6] and subseeds [77, 78], the second image's first and next draw. Where no
 * slerp is involved the noise is compared bit for bit (CRC-32 of its float bits); slerp runs in float32 in torch
 * and in double here, so it is compared to 2e-6.
 */
class ImageNoiseTest {
    private static final int[] PICKED = {0, 1, 17, 99, 200, 319};

    @Test
    void variationSeedsAreSlerpedAsA1111Does() {
        check(Rng.NV, 0.3, 0, 0, 0, new float[] {0.412968755f, -0.502199769f, 0.803248823f, -0.812766194f,
            0.343647361f, 0.877240121f}, 0x1e0224a2);
        check(Rng.CPU, 0.3, 0, 0, 0, new float[] {-0.852357328f, 0.477308869f, -0.774049819f, 0.0980481505f,
            0.306553006f, -0.967879653f}, 0xd23c0aa3);
    }

    @Test
    void resizeSeedFromCentresTheOtherSizesNoiseBitForBit() {
        // 96x48 pixels is 12x6 latent cells: wider than 10 (cropped), shorter than 8 (the image's own noise around).
        assertThat(crc(start(Rng.NV, 0, 48, 96, 0).noise())).isEqualTo(0xaf6ecc77);
        assertThat(crc(start(Rng.CPU, 0, 48, 96, 0).noise())).isEqualTo(0x2b1adebe);
        // and the sampler steps draw on from the image's generator, past its full-size draw
        assertThat(crc(start(Rng.NV, 0, 48, 96, 0).steps().next(320))).isEqualTo(0x1e0224a2);
    }

    @Test
    void theEtaNoiseSeedDeltaReseedsTheStepsOnly() {
        check(Rng.NV, 0.6, 48, 96, 31337, new float[] {0.432508081f, -0.443360478f, -1.19134283f, 1.03640795f,
            0.459662884f, 1.34134245f}, 0x97892d48);
        check(Rng.CPU, 0.6, 48, 96, 31337, new float[] {-1.21130455f, 0.630358577f, 0.416050315f, 1.62123644f,
            0.0245508552f, -0.94690007f}, 0x1d13105d);
        check(Rng.NV, 0.3, 80, 48, 0, new float[] {0.432508081f, -0.443360478f, 0.847001314f, -1.14104819f,
            -0.762568474f, 1.34134245f}, 0x1e0224a2);
    }

    @Test
    void withoutVariationTheNoiseIsTheSeedsFirstDraw() {
        ImageNoise.Start plain = start(Rng.CPU, 0, 0, 0, 0);
        assertThat(plain.noise()).containsExactly(new TorchCpuNoise(6).next(320));
        NoiseStream reference = new PhiloxNoise(6);
        reference.next(320);
        assertThat(start(Rng.GPU, 0, 0, 0, 0).steps().next(320)).containsExactly(reference.next(320));
        // Our own generator of before keeps its meaning: first the seed's sample, then step stream 1.
        ImageNoise.Start own = start(Rng.MYSTICANVAS, 0, 0, 0, 0);
        assertThat(own.noise()).containsExactly(GaussianNoise.sample(6, 320));
        assertThat(own.steps().next(320)).containsExactly(GaussianNoise.sample(GaussianNoise.streamSeed(6, 1), 320));
    }

    private static void check(Rng rng, double strength, int fromHeight, int fromWidth, long delta, float[] picked,
                              int nextCrc) {
        ImageNoise.Start start = start(rng, strength, fromHeight, fromWidth, delta);
        for (int i = 0; i < PICKED.length; i++) {
            assertThat(start.noise()[PICKED[i]]).as("%s value %d", rng, PICKED[i]).isCloseTo(picked[i], within(2e-6f));
        }
        assertThat(crc(start.steps().next(320))).as("%s: the first step's noise", rng).isEqualTo(nextCrc);
    }

    private static ImageNoise.Start start(Rng rng, double strength, int fromHeight, int fromWidth, long delta) {
        NoiseSettings s = new NoiseSettings(rng, 77, strength, fromWidth, fromHeight, delta, null);
        return ImageNoise.start(s, 6, 78, 4, 8, 10, 8);
    }
}
