package com.mysticanvas.sd.noise;

import static com.mysticanvas.sd.noise.PhiloxNoiseTest.assertDraws;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * A1111's CPU noise (and ComfyUI's): torch's CPU {@code randn} after {@code manual_seed}, bit for bit. The figures
 * are published torch output and torch 1.13.1 (Debian's python3-torch, x86 with AVX2) run here:
 * {@code g = torch.Generator().manual_seed(seed); torch.randn(n, generator=g); torch.randn(n, generator=g)}.
 */
class TorchCpuNoiseTest {
    @Test
    void matchesPublishedTorchValues() {
        // torch.manual_seed(0); torch.randn(6, 4): 24 values, so the last 16 are drawn again (torch's tail rule).
        double[] published = {-1.1258398294448853, -1.152360200881958, -0.2505785822868347, -0.4338788092136383,
            0.8487103581428528, 0.6920091509819031, -0.31601276993751526, -2.1152193546295166, 0.46809640526771545,
            -0.1577124446630478, 1.4436601400375366, 0.26604941487312317, 0.16645534336566925, 0.8743818402290344,
            -0.14347384870052338, -0.1116093322634697, 0.9318265914916992, 1.2590092420578003, 2.0049805641174316,
            0.05373690277338028, 0.6180566549301147, -0.41280221939086914, -0.8410648107528687, -2.316041946411133};
        float[] got = new TorchCpuNoise(0).next(24);
        for (int i = 0; i < published.length; i++) {
            assertThat(got[i]).as("value %d", i).isEqualTo((float) published[i]);
        }
        // 18 values: the first two from the first block, the rest from the fresh tail block.
        assertThat(new TorchCpuNoise(0).next(18)).startsWith(-1.1258398f, -1.1523602f, 0.56665063f, 0.79350835f,
                0.59883946f, -1.5550951f);
    }

    @Test
    void drawsAreTorchsBitForBitAndTheGeneratorRunsOn() {
        assertDraws(new TorchCpuNoise(0), 0, 16384, 0x983bc28f, 0xa330b126);
        assertDraws(new TorchCpuNoise(1), 1, 16900, 0x8cd8f858, 0xfb750980);
        assertDraws(new TorchCpuNoise(1234567), 1234567, 4096, 0x11608c51, 0xc51020a8);
        assertDraws(new TorchCpuNoise(4294967295L), 4294967295L, 16400, 0xc4ae892b, 0x4c8bc029);
        assertDraws(new TorchCpuNoise(3000000000L), 3000000000L, 256, 0x7ef5a643, 0xc8e495e2);
    }

    @Test
    void fewerThanSixteenValuesAreRefused() {
        assertThatThrownBy(() -> new TorchCpuNoise(0).next(15)).isInstanceOf(IllegalArgumentException.class);
    }
}
