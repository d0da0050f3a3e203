package com.mysticanvas.sd.noise;

import java.util.ArrayList;
import java.util.List;

/**
 * NumPy's {@code np.random.SeedSequence} (O'Neill's seed_seq hashing, as NumPy writes it): an entropy integer and a
 * spawn key hashed into a pool of 32-bit words, from which {@link #generateState} draws seeds. torchsde seeds every
 * node of its Brownian tree this way ({@link BrownianTree}).
 */
final class SeedSequence {
    private static final int INIT_A = 0x43b0d7e5;
    private static final int MULT_A = 0x931e8875;
    private static final int INIT_B = 0x8b51f9dd;
    private static final int MULT_B = 0x58f38ded;
    private static final int MIX_MULT_L = 0xca01f9dd;
    private static final int MIX_MULT_R = 0x4973f715;
    private static final int XSHIFT = 16;

    private final int[] pool;

    /** {@code SeedSequence(entropy=entropy, spawn_key=spawnKey, pool_size=poolSize)}; entropy and keys not negative. */
    SeedSequence(long entropy, long[] spawnKey, int poolSize) {
        List<Integer> run = words(entropy);
        List<Integer> spawn = new ArrayList<>();
        for (long k : spawnKey) {
            spawn.addAll(words(k));
        }
        if (!spawn.isEmpty()) {
            while (run.size() < poolSize) { // zeros keep spawn keys from aliasing longer entropy
                run.add(0);
            }
        }
        run.addAll(spawn);
        pool = new int[poolSize];
        int[] hash = {INIT_A};
        for (int i = 0; i < poolSize; i++) {
            pool[i] = hashmix(i < run.size() ? run.get(i) : 0, hash);
        }
        for (int src = 0; src < poolSize; src++) {
            for (int dst = 0; dst < poolSize; dst++) {
                if (src != dst) {
                    pool[dst] = mix(pool[dst], hashmix(pool[src], hash));
                }
            }
        }
        for (int src = poolSize; src < run.size(); src++) {
            for (int dst = 0; dst < poolSize; dst++) {
                pool[dst] = mix(pool[dst], hashmix(run.get(src), hash));
            }
        }
    }

    /** {@code generate_state(n)} as unsigned 32-bit values. */
    long[] generateState(int n) {
        long[] out = new long[n];
        int hash = INIT_B;
        for (int i = 0; i < n; i++) {
            int v = pool[i % pool.length];
            v ^= hash;
            hash *= MULT_B;
            v *= hash;
            v ^= v >>> XSHIFT;
            out[i] = Integer.toUnsignedLong(v);
        }
        return out;
    }

    /** NumPy's {@code _int_to_uint32_array}: little-endian 32-bit words, one 0 for 0. */
    private static List<Integer> words(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("SeedSequence takes no negative entropy: " + n);
        }
        List<Integer> out = new ArrayList<>();
        if (n == 0) {
            out.add(0);
        }
        while (n > 0) {
            out.add((int) n);
            n >>>= 32;
        }
        return out;
    }

    private static int hashmix(int value, int[] hash) {
        value ^= hash[0];
        hash[0] *= MULT_A;
        value *= hash[0];
        return value ^ (value >>> XSHIFT);
    }

    private static int mix(int x, int y) {
        int result = MIX_MULT_L * x - MIX_MULT_R * y;
        return result ^ (result >>> XSHIFT);
    }
}
