package com.mysticanvas.sd.noise;

/**
 * MystiCanvas's own seeded noise ({@link Rng#MYSTICANVAS}, the only one before A1111's generators were added, kept
 * so that older images reproduce): standard-normal noise that is the same on every machine and JVM. Uniform 64-bit values come
 * from SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
 * the reference C by S. Vigna): value i of seed s is {@code mix64(s + (i + 1) * 0x9E3779B97F4A7C15)}.
 * Each pair of uniforms becomes two normals by the Box-Muller transform, computed with {@link StrictMath}
 * (fdlibm, bit-exact everywhere, unlike {@link Math}'s intrinsics). Doubles are rounded to float last.
 * Being counter-based, value i does not depend on how many values were drawn before it.
 */
public final class GaussianNoise {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double TWO_PI = 2 * StrictMath.PI;
    /** 2^-53: turns the top 53 bits of a long into a double in [0, 1). */
    private static final double UNIT = 0x1.0p-53;

    private GaussianNoise() {}

    /** Standard-normal values for a seed. */
    public static float[] sample(long seed, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative noise length " + n);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i += 2) {
            long a = mix64(seed + (i + 1) * GOLDEN_GAMMA);
            long b = mix64(seed + (i + 2) * GOLDEN_GAMMA);
            double u1 = ((a >>> 11) + 1) * UNIT; // (0, 1]: the log stays finite
            double u2 = (b >>> 11) * UNIT;
            double radius = StrictMath.sqrt(-2 * StrictMath.log(u1));
            double angle = TWO_PI * u2;
            out[i] = (float) (radius * StrictMath.cos(angle));
            if (i + 1 < n) {
                out[i + 1] = (float) (radius * StrictMath.sin(angle));
            }
        }
        return out;
    }

    /**
     * The seed of an independent stream derived from {@code seed}, e.g. the fresh noise of sampler step
     * {@code stream}. Mixed twice so that derived streams do not overlap the parent's counter sequence.
     */
    public static long streamSeed(long seed, long stream) {
        return mix64(mix64(seed) ^ mix64(stream * GOLDEN_GAMMA + 0x632BE59BD9B4E019L));
    }

    /**
     * A seed's stream: the first draw is {@link #sample(long, int)} of the seed (an image's starting noise), draw k
     * after it the sample of {@link #streamSeed stream} k (sampler step k's fresh noise).
     */
    public static NoiseStream stream(long seed) {
        return new NoiseStream() {
            private long draws;

            @Override
            public float[] next(int n) {
                long k = draws++;
                return sample(k == 0 ? seed : streamSeed(seed, k), n);
            }
        };
    }

    /** SplitMix64's finaliser (David Stafford's Mix13 variant). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
