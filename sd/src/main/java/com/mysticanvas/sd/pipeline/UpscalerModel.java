package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.core.system.NativeHeap;
import com.mysticanvas.sd.graph.CheckpointWeights;
import com.mysticanvas.sd.graph.UpscalerGraph;
import com.mysticanvas.sd.model.UpscalerSpec;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded upscaler model (ESRGAN / Real-ESRGAN / compact, {@link UpscalerSpec}) and how A1111 applies one: the
 * image, RGB in [0,1], in tiles of {@value #TILE} pixels overlapping by {@value #OVERLAP} (A1111's ESRGAN tile
 * defaults, which bound the memory of any image size), the output clamped and rounded.
 */
public final class UpscalerModel implements AutoCloseable {
    static final int TILE = 192;
    static final int OVERLAP = 8;
    /** A1111 applies a model at most this many times to reach a requested scale. */
    private static final int MAX_PASSES = 3;

    /** Tiles done of the tiles of the current application, after each. */
    @FunctionalInterface
    public interface TileProgress {
        void onTile(int done, int total);

        TileProgress NONE = (done, total) -> { };
    }

    private final UpscalerSpec spec;
    private final OrtSession session;
    /** For each application's last tile: the arena's activations (about 1 GB for a 4x RRDBNet) go back then. */
    private final OrtSession.RunOptions releaseScratch;

    private UpscalerModel(UpscalerSpec spec, OrtSession session) throws OrtException {
        this.spec = spec;
        this.session = session;
        this.releaseScratch = Sessions.releasingScratch();
    }

    /** Reads and builds a model file; a file that is no upscaler this worker knows names itself and the problem. */
    public static UpscalerModel load(Path file, int threads) throws IOException {
        Path real = file.toRealPath(); // ORT refuses external data reached through a link out of its folder
        try (SafeTensors raw = SafeTensors.open(real)) {
            SafeTensors st = UpscalerSpec.basicsrNames(UpscalerSpec.unwrapped(raw));
            UpscalerSpec spec = UpscalerSpec.inspect(st);
            OrtSession session = Sessions.create(UpscalerGraph.build(spec, new CheckpointWeights(st, "")),
                    real.getParent(), Map.of(), threads);
            NativeHeap.trim();
            return new UpscalerModel(spec, session);
        } catch (OrtException e) {
            throw new ModelFileException(file.getFileName().toString(), "ONNX Runtime refused the network: " + e.getMessage());
        }
    }

    public UpscalerSpec spec() {
        return spec;
    }

    /** The image at {@code spec().scale()} times its size, one application of the network. */
    public RgbImage apply(RgbImage image) throws OrtException {
        return apply(image, TILE, TileProgress.NONE);
    }

    /** As {@link #apply(RgbImage)} in tiles of {@code tile} pixels, telling each tile done. */
    RgbImage apply(RgbImage image, int tile, TileProgress progress) throws OrtException {
        int s = spec.scale();
        int w = image.width();
        int h = image.height();
        float[] planar = new float[3 * w * h];
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) {
                planar[c * w * h + i] = (image.rgb()[i * 3 + c] & 0xff) / 255f;
            }
        }
        int total = TiledDecoder.starts(h, tile, OVERLAP).length * TiledDecoder.starts(w, tile, OVERLAP).length;
        int[] done = {0};
        float[] out = TiledDecoder.decode(planar, 3, h, w, s, tile, OVERLAP, (piece, th, tw) -> {
            float[] up = tile(piece, th, tw, done[0] + 1 == total);
            progress.onTile(++done[0], total);
            return up;
        });
        NativeHeap.trim();
        byte[] rgb = new byte[3 * w * s * h * s];
        int n = w * s * h * s;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = (byte) Math.round(Math.clamp(out[c * n + i], 0f, 1f) * 255f);
            }
        }
        return new RgbImage(rgb, w * s, h * s);
    }

    /**
     * As A1111's {@code Upscaler.upscale}: the model applied (up to three times) until the image reaches
     * {@code width x height}, then Lanczos-resized to exactly that size.
     */
    public RgbImage upscaleTo(RgbImage image, int width, int height, TileProgress progress) throws OrtException {
        for (int pass = 0; pass < MAX_PASSES && (image.width() < width || image.height() < height); pass++) {
            image = apply(image, TILE, progress);
        }
        return image.resized(width, height);
    }

    /**
     * One tile [3,h,w] through the network. A network that pixel-unshuffles needs sides divisible by its factor:
     * the tile is padded by repeating its last row and column, and the output cropped back.
     */
    private float[] tile(float[] planar, int h, int w, boolean last) throws OrtException {
        int m = spec instanceof UpscalerSpec.Rrdb r ? r.unshuffle() : 1;
        int ph = (h + m - 1) / m * m;
        int pw = (w + m - 1) / m * m;
        float[] in = planar;
        if (ph != h || pw != w) {
            in = new float[3 * ph * pw];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < ph; y++) {
                    for (int x = 0; x < pw; x++) {
                        in[(c * ph + y) * pw + x] = planar[(c * h + Math.min(y, h - 1)) * w + Math.min(x, w - 1)];
                    }
                }
            }
        }
        float[] out;
        try (OnnxTensor t = OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(in), new long[] {1, 3, ph, pw});
             OrtSession.Result r = last ? session.run(Map.of("image", t), releaseScratch) : session.run(Map.of("image", t))) {
            FloatBuffer b = ((OnnxTensor) r.get("upscaled").orElseThrow()).getFloatBuffer();
            out = new float[b.remaining()];
            b.get(out);
        }
        int s = spec.scale();
        if (ph == h && pw == w) {
            return out;
        }
        float[] cropped = new float[3 * h * s * w * s];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h * s; y++) {
                System.arraycopy(out, (c * ph * s + y) * pw * s, cropped, (c * h * s + y) * w * s, w * s);
            }
        }
        return cropped;
    }

    @Override
    public void close() {
        try {
            releaseScratch.close();
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
