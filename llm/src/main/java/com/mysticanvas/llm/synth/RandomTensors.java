package com.mysticanvas.llm.synth;

import com.mysticanvas.llm.gguf.GgmlType;
import com.mysticanvas.llm.gguf.GgufWriter.TensorData;
import java.io.IOException;
import java.io.OutputStream;
import java.util.SplittableRandom;

/** Tensor data for random-weight models, generated while it is written (constant memory). */
final class RandomTensors {
    /** Standard deviation of an int8 uniform on [-127, 127], to pick a Q8_0 block scale. */
    private static final double INT8_UNIFORM_STD = 127 / Math.sqrt(3);
    private static final int CHUNK = 1 << 16;

    private RandomTensors() {}

    /** All ones (F32): RMS-norm weights. */
    static TensorData ones() {
        return (out, bytes) -> {
            byte[] one = new byte[4];
            putF32(one, 0, 1f);
            for (long i = 0; i < bytes; i += 4) {
                out.write(one);
            }
        };
    }

    /** Random weights of standard deviation {@code std}: normal for F32/F16, uniform int8 blocks for Q8_0. */
    static TensorData random(GgmlType type, double std, long seed) {
        return (out, bytes) -> {
            SplittableRandom random = new SplittableRandom(seed);
            switch (type) {
                case F32 -> floats(out, bytes, 4, () -> (float) (random.nextGaussian() * std));
                case F16 -> floats(out, bytes, 2, () -> (float) (random.nextGaussian() * std));
                case Q8_0 -> q8(out, bytes, (float) (std / INT8_UNIFORM_STD), random);
            }
        };
    }

    private interface FloatSource {
        float next();
    }

    private static void floats(OutputStream out, long bytes, int width, FloatSource values) throws IOException {
        byte[] buf = new byte[CHUNK];
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            for (int i = 0; i < n; i += width) {
                float v = values.next();
                if (width == 4) {
                    putF32(buf, i, v);
                } else {
                    short h = Float.floatToFloat16(v);
                    buf[i] = (byte) h;
                    buf[i + 1] = (byte) (h >> 8);
                }
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Q8_0 blocks: an f16 scale, then 32 int8 quants. */
    private static void q8(OutputStream out, long bytes, float scale, SplittableRandom random) throws IOException {
        int blockBytes = GgmlType.Q8_0.blockBytes;
        byte[] buf = new byte[blockBytes * 2048];
        short h = Float.floatToFloat16(scale);
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            for (int b = 0; b < n; b += blockBytes) {
                buf[b] = (byte) h;
                buf[b + 1] = (byte) (h >> 8);
                for (int q = 0; q < 32; q += 8) {
                    long r = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        byte v = (byte) (r >>> (8 * k));
                        buf[b + 2 + q + k] = v == Byte.MIN_VALUE ? -127 : v;
                    }
                }
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void putF32(byte[] buf, int at, float v) {
        int bits = Float.floatToRawIntBits(v);
        buf[at] = (byte) bits;
        buf[at + 1] = (byte) (bits >> 8);
        buf[at + 2] = (byte) (bits >> 16);
        buf[at + 3] = (byte) (bits >> 24);
    }
}
