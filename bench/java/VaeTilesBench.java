import com.mysticanvas.sd.noise.GaussianNoise;
import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.pipeline.TiledDecoder;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes one {@code side x side} latent (Gaussian noise with a vertical ramp, so that tiles differ) whole, in tiles
 * normalizing alone, and in tiles sharing their group-norm statistics; prints each one's seconds and mean |difference|
 * from the whole. Writes the sd15 synthetic checkpoint when missing.
 * Usage: {@code VaeTilesBench CHECKPOINT [side=96] [tile=64] [threads=cores]}.
 */
public final class VaeTilesBench {
    private static final int OVERLAP = 16;

    private VaeTilesBench() {}

    public static void main(String[] args) throws Exception {
        Path checkpoint = Path.of(args[0]);
        int side = args.length > 1 ? Integer.parseInt(args[1]) : 96;
        int tile = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        if (!Files.exists(checkpoint)) {
            Files.createDirectories(checkpoint.getParent());
            SdSynthModels.writeCheckpoint(SdSynthModels.SD15, DType.F16, 1, checkpoint);
        }
        Thread t = Thread.ofPlatform().stackSize(16L << 20).start(() -> { // ORT wants a big native stack
            try (SdModel model = SdModel.load(checkpoint, null, threads)) {
                int c = model.vae().latentChannels();
                float[] latent = GaussianNoise.sample(5, c * side * side);
                for (int i = 0; i < latent.length; i++) {
                    latent[i] += 3f * ((i / side) % side) / side;
                }
                System.out.printf("VAE decode %dx%d px, tiles of %d latent cells overlapping %d, %d threads%n",
                        side * 8, side * 8, tile, OVERLAP, threads);
                long t0 = System.nanoTime();
                float[] whole = model.decode(latent, side, side);
                report("whole", t0, whole, whole);
                t0 = System.nanoTime();
                float[] alone = TiledDecoder.decode(latent, c, side, side, model.vae().factor(), tile, OVERLAP, model::decode);
                report("tiles, own statistics", t0, alone, whole);
                t0 = System.nanoTime();
                float[] shared = model.decodeTiled(latent, side, side, tile, OVERLAP);
                report("tiles, shared statistics", t0, shared, whole);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
    }

    private static void report(String what, long start, float[] image, float[] whole) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double sum = 0;
        for (int i = 0; i < image.length; i++) {
            sum += Math.abs(image[i] - whole[i]);
        }
        System.out.printf("%-26s %7.2f s   mean |difference from whole| %.5f%n", what, seconds, sum / image.length);
    }
}
