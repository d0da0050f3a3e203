package com.mysticanvas.sd.noise;

/**
 * The noise of torch's {@code randn} on the CPU after {@code manual_seed} (A1111's "CPU" source, and ComfyUI's
 * noise): a 32-bit Mersenne Twister (MT19937, Matsumoto and Nishimura 1998) seeded with the seed's low 32 bits gives
 * 24-bit uniforms, one per value, and each block of 16 becomes normals by Box-Muller on the pairs (j, j + 8),
 * cosines first. When the count is not a multiple of 16, the last 16 values are drawn again from fresh uniforms, as
 * torch's {@code normal_fill} does. The generator's state runs on from draw to draw. Counts below 16 take another
 * path in torch and are refused here: no latent is that small.
 */
public final class TorchCpuNoise implements NoiseStream {
    private static final int N = 624;
    private static final int M = 397;

    private final int[] state = new int[N];
    private int index;

    public TorchCpuNoise(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            state[j] = 1812433253 * (state[j - 1] ^ (state[j - 1] >>> 30)) + j;
        }
        index = N;
    }

    @Override
    public float[] next(int n) {
        if (n < 16) {
            throw new IllegalArgumentException("torch draws fewer than 16 values another way; asked for " + n);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = uniform();
        }
        for (int i = 0; i + 16 <= n; i += 16) {
            boxMuller16(out, i);
        }
        if (n % 16 != 0) {
            int last = n - 16;
            for (int i = 0; i < 16; i++) {
                out[last + i] = uniform();
            }
            boxMuller16(out, last);
        }
        return out;
    }

    /** A float in [0, 1) from the low 24 bits of the next word, exactly as torch's {@code uniform_real_distribution}. */
    private float uniform() {
        return (nextInt() & 0xFFFFFF) * 0x1.0p-24f;
    }

    /**
     * torch's {@code normal_fill_16_AVX2}, the path x86 CPUs take: float arithmetic throughout, with the cephes-derived
     * {@link #log} and {@link #sinCos} of Pommier's {@code avx_mathfun} rather than libm's. Where the compiler fused a
     * multiply and an add into one FMA in torch's build, so do we ({@link Math#fma}): which ones was found by
     * matching torch's output bit for bit over 145,000 values (TorchCpuNoiseTest).
     */
    private static void boxMuller16(float[] data, int from) {
        float[] sinCos = new float[2];
        for (int j = from; j < from + 8; j++) {
            float radius = (float) Math.sqrt(-2f * log(1f - data[j]));
            sinCos(TWO_PI_F * data[j + 8], sinCos);
            data[j] = radius * sinCos[1];
            data[j + 8] = radius * sinCos[0];
        }
    }

    private static final float TWO_PI_F = (float) (2 * Math.PI);

    /**
     * Natural log of a positive normal float as cephes' {@code logf} computes it: split into mantissa in [sqrt(1/2), sqrt(2)) and exponent, a degree-9 polynomial in
     * the mantissa minus 1, and the exponent's log 2 added in two parts.
     */
    static float log(float x) {
        int bits = Float.floatToRawIntBits(x);
        float e = (float) ((bits >>> 23) - 127) + 1f;
        float m = Float.intBitsToFloat((bits & ~0x7F800000) | 0x3F000000); // the mantissa in [0.5, 1)
        if (m < SQRT_HALF) {
            e -= 1f;
            m = (m - 1f) + m;
        } else {
            m = m - 1f;
        }
        float z = m * m;
        float y = LOG_P[0];
        for (int i = 1; i < LOG_P.length; i++) {
            y = Math.fma(y, m, LOG_P[i]);
        }
        y = Math.fma(y * m, z, e * LOG_Q1);
        y = y - z * 0.5f;
        return (m + y) + e * LOG_Q2;
    }

    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float[] LOG_P = {7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f,
        1.4249322787E-1f, -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f};
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;

    /**
     * Sine and cosine of a non-negative float as cephes' {@code sinf}/{@code cosf} compute them: reduce by
     * multiples of pi/4 (pi split in three parts), then one of two polynomials on [-pi/4, pi/4]; into
     * {@code out = {sin, cos}}.
     */
    static void sinCos(float x, float[] out) {
        int j = ((int) (x * FOUR_OVER_PI) + 1) & ~1; // truncated, then rounded up to even
        float k = j;
        x = ((x + k * -PI4_A) + k * -PI4_B) + k * -PI4_C;
        float z = x * x;
        float cosPoly = Math.fma(Math.fma(Math.fma(COS_P[0], z, COS_P[1]), z, COS_P[2]) * z, z, -(z * 0.5f)) + 1f;
        float sinPoly = Math.fma(Math.fma(Math.fma(SIN_P[0], z, SIN_P[1]), z, SIN_P[2]) * z, x, x);
        boolean sinFromSinPoly = (j & 2) == 0;
        float sin = sinFromSinPoly ? sinPoly : cosPoly;
        float cos = sinFromSinPoly ? cosPoly : sinPoly;
        out[0] = (j & 4) != 0 ? -sin : sin;
        out[1] = ((j - 2) & 4) == 0 ? -cos : cos;
    }

    private static final float FOUR_OVER_PI = 1.27323954473516f;
    private static final float PI4_A = 0.78515625f;
    private static final float PI4_B = 2.4187564849853515625e-4f;
    private static final float PI4_C = 3.77489497744594108e-8f;
    private static final float[] SIN_P = {-1.9515295891E-4f, 8.3321608736E-3f, -1.6666654611E-1f};
    private static final float[] COS_P = {2.443315711809948E-005f, -1.388731625493765E-003f, 4.166664568298827E-002f};

    private int nextInt() {
        if (index >= N) {
            twist();
        }
        int y = state[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        return y ^ (y >>> 18);
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (state[k] & 0x80000000) | (state[(k + 1) % N] & 0x7FFFFFFF);
            state[k] = state[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908B0DF : 0);
        }
        index = 0;
    }
}
