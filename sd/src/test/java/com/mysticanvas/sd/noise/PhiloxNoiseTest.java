package com.mysticanvas.sd.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A1111's NV / GPU noise: the Philox core against the published known answers, and whole draws bit for bit against
 * A1111's own {@code modules/rng_philox.py} (commit 255da37), run with numpy 1.24.2 and 2.4.6, which agree.
 */
class PhiloxNoiseTest {
    @Test
    void philoxMatchesRandom123sKnownAnswers() {
        // Random123's kat_vectors for philox4x32-10: counter, key -> output.
        assertThat(philox(0, 0, 0, 0, 0, 0)).containsExactly(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
        assertThat(philox(-1, -1, -1, -1, -1, -1)).containsExactly(0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd);
        assertThat(philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))
                .containsExactly(0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
    }

    @Test
    void drawsAreA1111sBitForBit() {
        // Generator(0).randn((3, 4)) from A1111's module.
        assertThat(new PhiloxNoise(0).next(12)).containsExactly(-0.9246624f, -0.42534396f, -2.6438458f, 0.14518388f,
                -0.12086651f, -0.5797257f, -0.6228513f, -0.32838714f, -1.074542f, -0.3631441f, -1.6710504f, 2.265505f);
        // CRC-32 of the little-endian float bits of two successive draws (the second: offset 1, a sampler step's).
        assertDraws(0, 16384, 0xffe6b1a9, 0x183bbe97);
        assertDraws(1, 16900, 0xf5723314, 0x3754aef0);
        assertDraws(1234567, 4096, 0x2590ee24, 0x626ba1b2);
        assertDraws(4294967295L, 16400, 0xca4bf05f, 0x4825961b);
        assertDraws(3000000000L, 256, 0x728d010c, 0xbbd574e6);
    }

    @Test
    void agreesWithCudaWithinFloatRounding() {
        // torch.manual_seed(0); torch.randn(16, device="cuda"), as published in the zenu crate's tests: CUDA computes
        // Box-Muller in float, the emulation in double, so they agree to a few units in the last place, not bitwise.
        float[] cuda = {-0.9246624f, -0.42534423f, -2.6438458f, 0.14518386f, -0.1208664f, -0.57972574f, -0.622851f,
            -0.3283869f, -1.0745419f, -0.36314395f, -1.6710504f, 2.2655048f, 0.3116848f, -0.1841891f, 1.2866427f,
            1.1819527f};
        assertThat(new PhiloxNoise(0).next(16)).containsExactly(cuda, within(3e-7f));
    }

    static void assertDraws(long seed, int n, int firstCrc, int secondCrc) {
        assertDraws(new PhiloxNoise(seed), seed, n, firstCrc, secondCrc);
    }

    static void assertDraws(NoiseStream stream, long seed, int n, int firstCrc, int secondCrc) {
        assertThat(crc(stream.next(n))).as("seed %d, first draw of %d", seed, n).isEqualTo(firstCrc);
        assertThat(crc(stream.next(n))).as("seed %d, second draw of %d", seed, n).isEqualTo(secondCrc);
    }

    static int crc(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.array());
        return (int) crc.getValue();
    }

    private static int[] philox(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        PhiloxNoise.philox(c0, c1, c2, c3, k0, k1, out);
        return out;
    }
}
