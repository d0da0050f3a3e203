package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.graph.CheckpointWeights;
import com.mysticanvas.sd.graph.TaesdGraph;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * A TAESD / TAESDXL decoder from {@code models/sd/vae-approx/} ({@code taesd_decoder} for SD 1.x/2.x,
 * {@code taesdxl_decoder} for SDXL; {@code .safetensors} or A1111's {@code .pth}): a live preview at the image's full
 * size for about a hundredth of the VAE's work, instead of the linear projection's one pixel per latent pixel.
 */
public final class TaesdDecoder implements AutoCloseable {
    private final OrtSession session;

    private TaesdDecoder(OrtSession session) {
        this.session = session;
    }

    /** Reads and builds a decoder file; a file that is none names itself and the problem. */
    public static TaesdDecoder load(Path file, int threads) throws IOException {
        Path real = file.toRealPath();
        try (SafeTensors st = SafeTensors.open(real)) {
            // diffusers' AutoencoderTiny keeps the same layers under decoder.layers.
            String prefix = st.tensors().keySet().stream().anyMatch(k -> k.startsWith("decoder.layers.")) ? "decoder.layers." : "";
            return new TaesdDecoder(Sessions.create(TaesdGraph.build(new CheckpointWeights(st, prefix)), real.getParent(),
                    Map.of(), threads));
        } catch (OrtException | RuntimeException e) {
            throw new ModelFileException(file.getFileName().toString(), "not a TAESD decoder: " + e.getMessage());
        }
    }

    /** Latent {@code index} of a [N,4,h,w] tensor decoded to [3, 8h, 8w] values in about [0, 1]. */
    public float[] decode(float[] latent, int index, int latentWidth, int latentHeight) throws OrtException {
        int plane = 4 * latentWidth * latentHeight;
        float[] one = new float[plane];
        System.arraycopy(latent, index * plane, one, 0, plane);
        try (OnnxTensor t = OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(one), new long[] {1, 4, latentHeight, latentWidth});
             OrtSession.Result r = session.run(Map.of("latent", t))) {
            FloatBuffer b = ((OnnxTensor) r.get("image").orElseThrow()).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }

    /** The preview as a PNG at 8 times the latent's size. */
    public byte[] png(float[] latent, int index, int latentWidth, int latentHeight) throws OrtException {
        float[] planar = decode(latent, index, latentWidth, latentHeight);
        int w = latentWidth * 8;
        int h = latentHeight * 8;
        int n = w * h;
        byte[] rgb = new byte[3 * n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[3 * i + c] = (byte) Math.round(Math.clamp(planar[c * n + i], 0f, 1f) * 255f);
            }
        }
        return Png.encode(rgb, w, h, Map.of());
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException ignored) {
            // closing is best effort
        }
    }
}
