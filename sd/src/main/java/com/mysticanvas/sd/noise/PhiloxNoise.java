package com.mysticanvas.sd.noise;

/**
 * The noise of torch's {@code randn} on an NVIDIA GPU, as A1111's {@code rng_philox.py} computes it on any machine
 * (its "NV" source, and what its default "GPU" source gives on CUDA): value i of a draw is the Box-Muller sine of
 * the first two words of Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) with
 * counter {@code (draw, 0, i, 0)} and the 64-bit seed as key. Each draw moves the offset on by one.
 */
public final class PhiloxNoise implements NoiseStream {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    /** A1111's constants are float32, widened when numpy multiplies them with the uint32 words. */
    private static final double TWO_POW32_INV = (float) 2.3283064e-10;
    private static final double TWO_POW32_INV_2PI = (float) (2.3283064e-10 * 6.2831855);

    private final long seed;
    private int offset;

    public PhiloxNoise(long seed) {
        this.seed = seed;
    }

    @Override
    public float[] next(int n) {
        float[] out = new float[n];
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            philox(offset, 0, i, 0, (int) seed, (int) (seed >>> 32), words);
            out[i] = boxMullerSine(words[0], words[1]);
        }
        offset++;
        return out;
    }

    /** Philox4x32 with 10 rounds: the four output words of one counter and key, into {@code out}. */
    static void philox(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long p0 = Integer.toUnsignedLong(c0) * Integer.toUnsignedLong(M0);
            long p1 = Integer.toUnsignedLong(c2) * Integer.toUnsignedLong(M1);
            c0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            c1 = (int) p1;
            c2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c3 = (int) p0;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** The first of Box-Muller's two normals for two uniform words, in double as numpy computes it, then float. */
    private static float boxMullerSine(int x, int y) {
        double u = Integer.toUnsignedLong(x) * TWO_POW32_INV + TWO_POW32_INV / 2;
        double v = Integer.toUnsignedLong(y) * TWO_POW32_INV_2PI + TWO_POW32_INV_2PI / 2;
        return (float) (StrictMath.sqrt(-2.0 * StrictMath.log(u)) * StrictMath.sin(v));
    }
}
