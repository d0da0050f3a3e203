package com.mysticanvas.sd.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * NumPy's SeedSequence and torchsde's BrownianTree against the libraries themselves (NumPy 1.26 and torchsde eb3a00e
 * on Debian's torch 1.13, CPU generator; the figures below were printed by them here).
 */
class BrownianTreeTest {
    @Test
    void seedSequenceMatchesNumPy() {
        assertThat(new SeedSequence(5, new long[0], 24).generateState(4))
                .containsExactly(3154616629L, 1086096781L, 1700057493L, 3338405053L);
        assertThat(new SeedSequence(5, new long[] {0, 0}, 24).generateState(4))
                .containsExactly(2064821470L, 1826486279L, 462128158L, 875869577L);
        assertThat(new SeedSequence(123456789, new long[] {3, 2}, 24).generateState(4))
                .containsExactly(3477033613L, 3315562725L, 475896982L, 3355974205L);
        assertThat(new SeedSequence((1L << 40) + 7, new long[] {12345, 17}, 24).generateState(4))
                .containsExactly(430845865L, 4160113853L, 1482263136L, 671979156L);
    }

    /** {size, ta, tb, W[0], W[3], W[size - 1]} of {@code BrownianTree(0.0291675, zeros(size), 14.614643, entropy=42)}, in query order. */
    private static final double[][] TORCHSDE = {
        {64, 13.0, 14.614643, 1.350417137145996, -0.8344991207122803, 0.13304150104522705},
        {64, 1.0, 2.0, -0.7299902439117432, -2.0742616653442383, -0.26709553599357605},
        {64, 0.0291675, 0.5, -0.13512073457241058, -0.09543145447969437, -1.0933009386062622},
        {64, 0.2, 7.3, 2.3901021480560303, -1.8165160417556763, -1.0959254503250122},
    };

    @Test
    void incrementsMatchTorchsdeInQueryOrder() {
        BrownianTree many = new BrownianTree(0.0291675, 14.614643, 64, 42, TorchCpuNoise::new);
        for (double[] row : TORCHSDE) {
            int size = (int) row[0];
            float[] w = many.increment(row[1], row[2]);
            assertThat(new float[] {w[0], w[3], w[size - 1]}).as("[%s, %s] of %d", row[1], row[2], size)
                    .containsExactly(new float[] {(float) row[3], (float) row[4], (float) row[5]}, within(2e-6f));
        }
    }

    @Test
    void theSameIntervalIsTheSameNoiseWhateverWasAskedBefore() {
        BrownianTree fresh = new BrownianTree(0.0291675, 14.614643, 64, 7, PhiloxNoise::new);
        BrownianTree used = new BrownianTree(0.0291675, 14.614643, 64, 7, PhiloxNoise::new);
        used.increment(0.3, 9.1);
        used.increment(2.5, 2.75);
        assertThat(used.increment(1.0, 2.0)).containsExactly(fresh.increment(1.0, 2.0), within(1e-6f));
        float[] whole = fresh.increment(0.5, 3.0);
        float[] left = fresh.increment(0.5, 1.75);
        float[] right = fresh.increment(1.75, 3.0);
        for (int i = 0; i < whole.length; i++) {
            assertThat(left[i] + right[i]).isCloseTo(whole[i], within(1e-5f));
        }
    }
}
