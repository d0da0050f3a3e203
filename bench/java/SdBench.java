import com.mysticanvas.core.system.ProcessMemory;
import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.synth.SdSynthModels;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times the SD networks of a checkpoint as one generation uses them: load (graphs + sessions), the text encoder
 * (cond + uncond windows), one UNet step with classifier-free guidance (batch 2), a last step (which releases the
 * UNet's scratch memory, as a generation's last step does), the VAE decode, and the total for
 * N steps; prints the peak RSS of each phase and what each leaves resident. Writes a synthetic checkpoint
 * ({@code sd15-synth}, {@code sd21-synth}, {@code sdxl-synth}) first when that is the one named and it is missing.
 * Usage: {@code SdBench CHECKPOINT [size=512] [steps=20] [threads=cores] [runs=3] [memory=balanced|low]}.
 * The UNet is fed random latents: the sampler's own arithmetic is negligible next to it.
 */
public final class SdBench {
    /** {@code <preset>-synth.safetensors} under models/sd/checkpoints is written when missing. */
    private static final String SYNTH_SUFFIX = "-synth.safetensors";
    private static final List<String> SYNTH_PRESETS = List.of("sd15", "sd21", "sdxl");

    private SdBench() {}

    public static void main(String[] args) throws Exception {
        Path checkpoint = Path.of(args[0]);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        SdModel.Memory memory = args.length > 5 ? SdModel.Memory.valueOf(args[5].toUpperCase(Locale.ROOT))
                : SdModel.Memory.BALANCED;
        // ORT needs a big native stack; run everything on a thread that has one, like the worker's engine thread.
        Thread t = Thread.ofPlatform().stackSize(16L << 20).start(() -> {
            try {
                run(checkpoint, size, steps, threads, runs, memory);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.join();
    }

    private static void run(Path checkpoint, int size, int steps, int threads, int runs, SdModel.Memory memory)
            throws Exception {
        String preset = checkpoint.getFileName().toString().replace(SYNTH_SUFFIX, "");
        if (!Files.exists(checkpoint) && SYNTH_PRESETS.contains(preset)) {
            long w = System.nanoTime();
            SdSynthModels.write(preset, checkpoint.toAbsolutePath().getParent().getParent().getParent());
            System.out.printf(Locale.ROOT, "wrote %s in %.1f s%n", checkpoint, seconds(w));
        }
        PhaseMemory phases = new PhaseMemory();
        long t0 = System.nanoTime();
        phases.begin();
        SdModel model = SdModel.load(checkpoint, null, threads, memory);
        phases.end("load");
        try {
            double load = seconds(t0);
            int positions = PromptChunks.WINDOW_TOKENS;
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
            int encoders = model.spec().textEncoders().size();
            float[] context = random(2 * positions * model.spec().contextWidth());
            int adm = model.spec().unet().admChannels();
            float[] y = adm == 0 ? null : random(2 * adm);
            double[] text = new double[runs];
            double[] unet = new double[runs];
            double[] lastUnet = new double[runs];
            double[] vae = new double[runs];
            for (int r = 0; r < runs; r++) {
                long s = System.nanoTime();
                phases.begin();
                for (int e = 0; e < encoders; e++) {
                    model.encodeText(e, ids, 2, "penultimate_raw");
                }
                phases.end("text encoder");
                text[r] = seconds(s);
                s = System.nanoTime();
                phases.begin();
                model.unet(sample, 2, h, h, new float[] {500, 500}, context, positions, y, false);
                phases.end("UNet step");
                unet[r] = seconds(s);
                s = System.nanoTime();
                phases.begin();
                model.unet(sample, 2, h, h, new float[] {1, 1}, context, positions, y, true);
                phases.end("UNet last step");
                lastUnet[r] = seconds(s);
                s = System.nanoTime();
                phases.begin();
                model.decode(latent, h, h);
                phases.end("VAE decode");
                vae[r] = seconds(s);
            }
            double textMedian = median(text);
            double unetMedian = median(unet);
            double vaeMedian = median(vae);
            System.out.printf(Locale.ROOT, "checkpoint %s, %dx%d, %d threads, memory %s, medians of %d runs%n",
                    checkpoint.getFileName(), size, size, threads, memory.name().toLowerCase(Locale.ROOT), runs);
            System.out.printf(Locale.ROOT, "load (graphs + sessions)  %.2f s%n", load);
            System.out.printf(Locale.ROOT, "text encoders (2 windows) %.3f s%n", textMedian);
            System.out.printf(Locale.ROOT, "UNet step, CFG batch 2    %.2f s   (runs: %s)%n", unetMedian, Arrays.toString(unet));
            System.out.printf(Locale.ROOT, "UNet last step            %.2f s   (gives its scratch memory back)%n", median(lastUnet));
            System.out.printf(Locale.ROOT, "VAE decode                %.2f s%n", vaeMedian);
            System.out.printf(Locale.ROOT, "total for %d steps        %.1f s%n", steps, textMedian + steps * unetMedian + vaeMedian);
        } finally {
            phases.begin();
            model.close();
            phases.end("unload");
        }
        phases.print();
    }

    /** Peak RSS of each phase (the kernel's peak is reset before it) and the RSS left after it, split anon/file. */
    private static final class PhaseMemory {
        private final Map<String, Long> peaks = new LinkedHashMap<>();
        private final Map<String, ProcessMemory> after = new LinkedHashMap<>();
        private boolean perPhase = true;

        void begin() {
            perPhase &= ProcessMemory.resetPeak();
        }

        void end(String phase) {
            ProcessMemory m = ProcessMemory.self().orElse(new ProcessMemory(-1, -1, -1, -1)); // not Linux: no figures
            peaks.merge(phase, m.peakBytes(), Math::max);
            after.put(phase, m);
        }

        void print() {
            System.out.println(perPhase ? "memory (MB)      phase peak   after: RSS   anon   file"
                    : "memory (MB)      peak so far  after: RSS   anon   file   (peak reset not allowed here)");
            for (Map.Entry<String, Long> e : peaks.entrySet()) {
                ProcessMemory m = after.get(e.getKey());
                System.out.printf(Locale.ROOT, "  %-14s %8d %13d %6d %6d%n", e.getKey(), e.getValue() >> 20,
                        m.rssBytes() >> 20, m.anonBytes() >> 20, m.fileBytes() >> 20);
            }
            long peak = peaks.values().stream().mapToLong(Long::longValue).max().orElse(-1);
            System.out.printf(Locale.ROOT, "peak RSS                  %d MB%n", peak >> 20);
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
}
