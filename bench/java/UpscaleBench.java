import com.mysticanvas.core.system.ProcessMemory;
import com.mysticanvas.sd.pipeline.RgbImage;
import com.mysticanvas.sd.pipeline.UpscalerModel;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times the upscaler models as the extras and hires fix run them: load, then {@code runs} applications to a
 * {@code size x size} random image (192: one tile), on random-weight models with the shapes of RealESRGAN_x4plus
 * (RRDBNet 64/23/32) and realesr-general-x4v3 (compact 64/32), written under {@code DIR/sd/upscalers} when missing.
 * Prints seconds per image (median), output megapixels per second and the process's peak RSS.
 * Usage: {@code UpscaleBench DIR [size=192] [threads=cores] [runs=3]}.
 */
public final class UpscaleBench {
    private UpscaleBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).resolve("sd/upscalers");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 192;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path esrgan = dir.resolve("realesrgan-x4-synth.safetensors");
        Path compact = dir.resolve("compact-x4-synth.safetensors");
        if (!Files.exists(esrgan)) {
            SdSynthModels.writeUpscaler(SdSynthModels.REAL_ESRGAN, DType.F16, 2, esrgan);
        }
        if (!Files.exists(compact)) {
            SdSynthModels.writeUpscaler(SdSynthModels.GENERAL_X4V3, DType.F16, 3, compact);
        }
        byte[] rgb = new byte[size * size * 3];
        new SplittableRandom(1).nextBytes(rgb);
        RgbImage image = new RgbImage(rgb, size, size);
        System.out.printf("upscale %dx%d, %d threads, %d runs (median)%n", size, size, threads, runs);
        // ORT needs a big native stack, as on the worker's engine thread.
        Thread t = Thread.ofPlatform().stackSize(16L << 20).start(() -> {
            try {
                for (Path model : new Path[] {compact, esrgan}) {
                    ProcessMemory.resetPeak();
                    long t0 = System.nanoTime();
                    try (UpscalerModel m = UpscalerModel.load(model, threads)) {
                        double load = (System.nanoTime() - t0) / 1e9;
                        double[] seconds = new double[runs];
                        RgbImage out = null;
                        for (int i = 0; i < runs; i++) {
                            long s = System.nanoTime();
                            out = m.apply(image);
                            seconds[i] = (System.nanoTime() - s) / 1e9;
                        }
                        Arrays.sort(seconds);
                        double median = seconds[runs / 2];
                        long peak = ProcessMemory.self().map(ProcessMemory::peakBytes).orElse(-1L);
                        System.out.printf("%-34s load %5.2f s   %7.2f s/image   %6.3f MPix/s out   peak RSS %5d MB%n",
                                model.getFileName(), load, median, (double) out.width() * out.height() / 1e6 / median,
                                peak >> 20);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
    }
}
