package com.mysticanvas.sd.testing;

import com.mysticanvas.sd.pipeline.DiffusionMaths;
import com.mysticanvas.sd.sampling.Denoiser;
import com.mysticanvas.sd.sampling.StepListener;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Stand-ins for the tokenizer, sampler, noise and PNG parts that are built on another branch, used by this
 * branch's pipeline tests until both are merged (then {@code DiffusionMaths.standard(ClipTokenizer::bundled)}
 * replaces it in {@link #get()}). Fixed token ids per word, SD's discrete sigmas, a plain Euler loop.
 */
public final class StandInMaths implements DiffusionMaths {
    private static final double[] SIGMAS = new double[1000];

    static {
        double acc = 1;
        for (int i = 0; i < 1000; i++) {
            double s = Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * i / 999;
            acc *= 1 - s * s;
            SIGMAS[i] = Math.sqrt((1 - acc) / acc);
        }
    }

    /** The maths the pipeline tests use: switch to the real one here once it is merged. */
    public static DiffusionMaths get() {
        return new StandInMaths();
    }

    @Override
    public PromptChunks prompt(String text) {
        int[] ids = new int[77];
        float[] weights = new float[77];
        Arrays.fill(ids, 49407);
        Arrays.fill(weights, 1f);
        ids[0] = 49406;
        String[] words = text.isBlank() ? new String[0] : text.trim().toLowerCase().split("\\s+");
        for (int i = 0; i < Math.min(words.length, 75); i++) {
            ids[i + 1] = Math.floorMod(words[i].hashCode(), 49000) + 1;
        }
        return new PromptChunks(List.of(ids), List.of(weights));
    }

    @Override
    public float[] sigmas(String schedule, int steps) {
        float[] s = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            double t = 999.0 - 999.0 * i / Math.max(1, steps - 1);
            s[i] = (float) Math.exp(interpolate(t));
        }
        return s;
    }

    private static double interpolate(double t) {
        int lo = (int) Math.floor(t);
        int hi = Math.min(999, lo + 1);
        double f = t - lo;
        return (1 - f) * Math.log(SIGMAS[lo]) + f * Math.log(SIGMAS[hi]);
    }

    @Override
    public float timestep(float sigma) {
        double ls = Math.log(sigma);
        for (int i = 0; i < 999; i++) {
            double a = Math.log(SIGMAS[i]);
            double b = Math.log(SIGMAS[i + 1]);
            if (ls <= b) {
                return (float) (i + Math.max(0, (ls - a) / (b - a)));
            }
        }
        return 999f;
    }

    @Override
    public float[] sample(String sampler, Denoiser model, float[] x, float[] sigmas, long seed, StepListener listener) {
        float[] cur = x.clone();
        int steps = sigmas.length - 1;
        for (int i = 0; i < steps; i++) {
            float[] denoised = model.denoise(cur, sigmas[i]);
            float dt = sigmas[i + 1] - sigmas[i];
            for (int k = 0; k < cur.length; k++) {
                cur[k] += (cur[k] - denoised[k]) / sigmas[i] * dt;
            }
            if (!listener.onStep(i + 1, steps, cur, denoised)) {
                return null;
            }
        }
        return cur;
    }

    @Override
    public float[] noise(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    @Override
    public byte[] png(byte[] rgb, int width, int height, Map<String, String> text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        text.forEach((k, v) -> chunk(out, "tEXt", (k + "\0" + v).getBytes(StandardCharsets.ISO_8859_1)));
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < height; y++) {
            raw.write(0);
            raw.write(rgb, y * width * 3, width * 3);
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw.toByteArray());
        deflater.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!deflater.finished()) {
            z.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
