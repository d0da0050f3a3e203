package com.mysticanvas.sd.bench;

import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the SD networks of a checkpoint as one generation uses them: load (graphs + sessions), the text encoder
 * (cond + uncond windows), one UNet step with classifier-free guidance (batch 2), the VAE decode, and the total for
 * N steps; prints peak RSS. Writes the sd15 synthetic checkpoint first when that is the one named and it is missing. Usage: {@code SdBench CHECKPOINT [size=512] [steps=20] [threads=cores] [runs=3]}.
 * The UNet is fed random latents: the sampler's own arithmetic is negligible next to it.
 */
public final class SdBench {
    private static final String SD15_FILE = "sd15-synth.safetensors";

    private SdBench() {}

    public static void main(String[] args) throws Exception {
        Path checkpoint = Path.of(args[0]);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        // ORT needs a big native stack; run everything on a thread that has one, like the worker's engine thread.
        Thread t = Thread.ofPlatform().stackSize(16L << 20).start(() -> {
            try {
                run(checkpoint, size, steps, threads, runs);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.join();
    }

    private static void run(Path checkpoint, int size, int steps, int threads, int runs) throws Exception {
        if (!Files.exists(checkpoint) && checkpoint.getFileName().toString().equals(SD15_FILE)) {
            long w = System.nanoTime();
            SdSynthModels.write("sd15", checkpoint.toAbsolutePath().getParent().getParent().getParent());
            System.out.printf(Locale.ROOT, "wrote %s in %.1f s%n", checkpoint, seconds(w));
        }
        long t0 = System.nanoTime();
        try (SdModel model = SdModel.load(checkpoint, null, threads)) {
            double load = seconds(t0);
            int positions = model.spec().clip().positions();
            long[] ids = new long[2 * positions];
            Arrays.fill(ids, 49407);
            ids[0] = 49406;
            ids[positions] = 49406;
            int h = size / model.vae().factor();
            int channels = model.vae().latentChannels();
            float[] latent = random(channels * h * h);
            float[] sample = new float[2 * latent.length];
            System.arraycopy(latent, 0, sample, 0, latent.length);
            System.arraycopy(latent, 0, sample, latent.length, latent.length);
            float[] context = null;
            double[] text = new double[runs];
            double[] unet = new double[runs];
            double[] vae = new double[runs];
            for (int r = 0; r < runs; r++) {
                long s = System.nanoTime();
                context = model.encodeText(ids, 2, false);
                text[r] = seconds(s);
                s = System.nanoTime();
                model.unet(sample, 2, h, h, new float[] {500, 500}, context, positions);
                unet[r] = seconds(s);
                s = System.nanoTime();
                model.decode(latent, h, h);
                vae[r] = seconds(s);
            }
            double textMedian = median(text);
            double unetMedian = median(unet);
            double vaeMedian = median(vae);
            System.out.printf(Locale.ROOT, "checkpoint %s, %dx%d, %d threads, medians of %d runs%n",
                    checkpoint.getFileName(), size, size, threads, runs);
            System.out.printf(Locale.ROOT, "load (graphs + sessions)  %.2f s%n", load);
            System.out.printf(Locale.ROOT, "text encoder (2 windows)  %.3f s%n", textMedian);
            System.out.printf(Locale.ROOT, "UNet step, CFG batch 2    %.2f s   (runs: %s)%n", unetMedian, Arrays.toString(unet));
            System.out.printf(Locale.ROOT, "VAE decode                %.2f s%n", vaeMedian);
            System.out.printf(Locale.ROOT, "total for %d steps        %.1f s%n", steps, textMedian + steps * unetMedian + vaeMedian);
            System.out.printf(Locale.ROOT, "peak RSS                  %d MB%n", peakRssKb() / 1024);
        }
    }

    private static float[] random(int n) {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
