package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.system.NativeHeap;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.graph.CheckpointWeights;
import com.mysticanvas.sd.graph.ClipGraph;
import com.mysticanvas.sd.graph.UNetGraph;
import com.mysticanvas.sd.graph.VaeGraph;
import com.mysticanvas.sd.lora.LoraMerge;
import com.mysticanvas.sd.lora.LoraTargets;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.Prediction;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.VaeConfig;
import com.mysticanvas.sd.onnx.OnnxGraph;
import com.mysticanvas.sd.sampling.NoiseSchedule;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A loaded checkpoint: the memory-mapped file(s), the networks as ONNX Runtime sessions (one per text encoder) (the VAE encoder is
 * created on first use) and the LoRA-merged weights in force. Not thread-safe: the pipeline drives it from one
 * engine thread. {@link #close()} frees the sessions, the merged tensors and the mappings.
 */
public final class SdModel implements AutoCloseable {
    /** A LoRA to merge: file and strength. */
    /** A LoRA file with its strengths on the text encoders and on the UNet. */
    public record Lora(Path file, float weight, float unetWeight) {}

    /** How much of the UNet stays in its stored 16-bit form, widened at every step (see {@link CheckpointWeights}). */
    public enum Memory {
        /** The weights that do little arithmetic per step ({@link UNetGraph#keptNarrow}): about 2% per step. */
        BALANCED,
        /** Every UNet weight: about 1 GB less for SD 1.5 than BALANCED, about 7% more time per step. */
        LOW
    }

    private final SafeTensors checkpoint;
    private final SafeTensors vaeFile;
    private final SdModelSpec spec;
    private final VaeConfig vae;
    private final String vaePrefix;
    private final int threads;
    private final Memory memory;
    private final LoraTargets loraTargets;
    /** One session per text encoder, in {@link SdModelSpec#textEncoders()} order. */
    private final OrtSession[] clips;
    private OrtSession unet;
    private OrtSession vaeDecoder;
    private OrtSession vaeEncoder;
    private final OrtSession.RunOptions releaseScratch;
    private List<OnnxTensor> merged = List.of();
    private List<Lora> loras = List.of();
    private Map<String, List<String>> unknownLoraKeys = Map.of();
    /** The result of {@link #probePrediction()}, made once. */
    private Prediction probed;

    private SdModel(SafeTensors checkpoint, SafeTensors vaeFile, SdModelSpec spec, VaeConfig vae, String vaePrefix,
                    int threads, Memory memory) throws OrtException {
        this.releaseScratch = Sessions.releasingScratch();
        this.checkpoint = checkpoint;
        this.vaeFile = vaeFile;
        this.spec = spec;
        this.vae = vae;
        this.vaePrefix = vaePrefix;
        this.threads = threads;
        this.memory = memory;
        this.loraTargets = LoraTargets.of(spec);
        this.clips = new OrtSession[spec.textEncoders().size()];
    }

    /** Opens, checks and compiles a checkpoint, with an optional separate VAE file overriding its own VAE. */
    public static SdModel load(Path checkpointFile, Path vaeFile, int threads) throws IOException {
        return load(checkpointFile, vaeFile, threads, Memory.BALANCED);
    }

    /** As {@link #load(Path, Path, int)}, keeping as much of the UNet narrow as {@code memory} says. */
    public static SdModel load(Path checkpointFile, Path vaeFile, int threads, Memory memory) throws IOException {
        // ONNX Runtime refuses external data reached through a link that leads out of its folder: give it the real file.
        checkpointFile = checkpointFile.toRealPath();
        vaeFile = vaeFile == null ? null : vaeFile.toRealPath();
        SafeTensors ck = CheckpointInspector.withCurrentNames(SafeTensors.open(checkpointFile));
        SafeTensors vf = null;
        SdModel model = null;
        try {
            SdModelSpec spec = CheckpointInspector.inspect(ck);
            int latent = spec.vae().latentChannels();
            if (spec.unet().inChannels() != latent && spec.unet().inChannels() != 2 * latent + 1) {
                throw new ModelFileException(ck.fileName(), "the UNet takes " + spec.unet().inChannels()
                        + " channels; standard checkpoints take " + latent + " and inpainting ones " + (2 * latent + 1)
                        + " (latent, mask, masked image): this one is neither");
            }
            VaeConfig vae = spec.vae();
            String vaePrefix = spec.vaePrefix();
            if (vaeFile != null) {
                vf = SafeTensors.open(vaeFile);
                vaePrefix = CheckpointInspector.vaeFilePrefix(vf);
                vae = CheckpointInspector.vae(vf, vaePrefix, spec.family());
                CheckpointInspector.checkVaeFits(vf, vae, spec);
            }
            model = new SdModel(ck, vf, spec, vae, vaePrefix, threads, memory);
            // The UNet first, and the heap trimmed after it: building its session is the load's peak (ORT holds the
            // weights twice while it folds and reorders them), so nothing else should be resident yet.
            model.unet = model.unetSession(Map.of());
            NativeHeap.trim();
            for (int i = 0; i < model.clips.length; i++) {
                model.clips[i] = model.clipSession(i, Map.of());
            }
            SafeTensors vaeSource = model.vaeSource();
            model.vaeDecoder = model.session(VaeGraph.decoder(vae, new CheckpointWeights(vaeSource, vaePrefix)), vaeSource,
                    Map.of());
            NativeHeap.trim();
            return model;
        } catch (OrtException e) {
            closeQuietly(model, ck, vf);
            throw new ModelFileException(checkpointFile.getFileName().toString(), "ONNX Runtime refused the network: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            closeQuietly(model, ck, vf);
            throw e;
        }
    }

    private static void closeQuietly(SdModel model, SafeTensors ck, SafeTensors vf) {
        if (model != null) {
            model.close();
        } else {
            ck.close();
            if (vf != null) {
                vf.close();
            }
        }
    }

    private SafeTensors vaeSource() {
        return vaeFile != null ? vaeFile : checkpoint;
    }

    private OrtSession session(OnnxGraph graph, SafeTensors weights, Map<String, OnnxTensor> replaced) throws OrtException {
        return Sessions.create(graph, weights.path().toAbsolutePath().getParent(), replaced, threads);
    }

    private OrtSession unetSession(Map<String, OnnxTensor> replaced) throws OrtException {
        Predicate<String> narrow = memory == Memory.LOW ? name -> true : UNetGraph.keptNarrow(spec.unet());
        CheckpointWeights weights = new CheckpointWeights(checkpoint, spec.unetPrefix(), narrow);
        return session(UNetGraph.build(spec.unet(), weights), checkpoint, replaced);
    }

    private OrtSession clipSession(int encoder, Map<String, OnnxTensor> replaced) throws OrtException {
        SdModelSpec.TextEncoder e = spec.textEncoders().get(encoder);
        CheckpointWeights weights = new CheckpointWeights(checkpoint, e.prefix(), ClipGraph.keptNarrow());
        return session(ClipGraph.build(e.config(), weights), checkpoint, replaced);
    }

    public SdModelSpec spec() {
        return spec;
    }

    /**
     * What the UNet predicts: what the checkpoint says (a {@code v_pred} key or modelspec metadata) wins; else
     * {@code requested} (null = automatic); automatic is eps except for an SD 2.x checkpoint, which is probed.
     */
    public Prediction prediction(Prediction requested) throws OrtException {
        if (spec.prediction() != null) {
            return spec.prediction();
        }
        if (requested != null) {
            return requested;
        }
        if (spec.family() != Family.SD2 || inpainting()) {
            return Prediction.EPS;
        }
        if (probed == null) {
            probed = probePrediction();
        }
        return probed;
    }

    /**
     * A1111's test for SD 2.x checkpoints, which say nothing of their objective (768-v predicts v, 512-base eps):
     * one UNet call on a latent of 0.5s [1,4,8,8] at timestep 999 with a context of 0.5s [1,2,width]. A v model
     * answers about -x there (v = alpha * eps - sigma * x with alpha near 0), so mean(out - x) < -1 means v.
     */
    Prediction probePrediction() throws OrtException {
        int side = 8;
        float[] x = new float[spec.unet().inChannels() * side * side];
        Arrays.fill(x, 0.5f);
        float[] context = new float[2 * spec.contextWidth()];
        Arrays.fill(context, 0.5f);
        float[] out = unet(x, 1, side, side, new float[] {NoiseSchedule.TIMESTEPS - 1}, context, 2, null, true);
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += out[i] - x[i];
        }
        return sum / out.length < -1 ? Prediction.V : Prediction.EPS;
    }

    /** The training noise schedule, rescaled to zero terminal SNR when the checkpoint says so (a {@code ztsnr} key). */
    public NoiseSchedule noiseSchedule() {
        return spec.ztsnr() ? NoiseSchedule.SD.zeroTerminalSnr() : NoiseSchedule.SD;
    }

    public VaeConfig vae() {
        return vae;
    }

    public String checkpointName() {
        return checkpoint.fileName();
    }

    public String vaeName() {
        return vaeFile == null ? null : vaeFile.fileName();
    }

    /** The checkpoint's file (for its hash in the infotext). */
    public Path checkpointPath() {
        return checkpoint.path();
    }

    /** The separate VAE's file, or null when the checkpoint's own is used. */
    public Path vaePath() {
        return vaeFile == null ? null : vaeFile.path();
    }

    public List<Lora> loras() {
        return loras;
    }

    /** Keys of the LoRAs in force that matched no layer, per file. */
    public Map<String, List<String>> unknownLoraKeys() {
        return unknownLoraKeys;
    }

    /**
     * Makes {@code wanted} the LoRAs in force: merges them into fresh copies of the weights they touch and
     * recreates the text encoder and UNet sessions with those (nothing happens when the set is unchanged).
     */
    public void useLoras(List<Lora> wanted) throws IOException, OrtException {
        if (wanted.equals(loras)) {
            return;
        }
        List<SafeTensors> files = new ArrayList<>();
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            List<LoraMerge.Applied> applied = new ArrayList<>();
            for (Lora l : wanted) {
                SafeTensors f = SafeTensors.open(l.file());
                files.add(f);
                applied.add(new LoraMerge.Applied(f, l.weight(), l.unetWeight()));
            }
            LoraMerge.Result result = LoraMerge.deltas(loraTargets, applied);
            List<SdModelSpec.TextEncoder> encoders = spec.textEncoders();
            List<Map<String, OnnxTensor>> clipWeights = new ArrayList<>();
            encoders.forEach(e -> clipWeights.add(new HashMap<>()));
            Map<String, OnnxTensor> unetWeights = new HashMap<>();
            for (Map.Entry<String, float[]> e : result.deltas().entrySet()) {
                OnnxTensor t = mergedTensor(checkpoint.tensor(e.getKey()), e.getValue());
                tensors.add(t);
                String key = e.getKey();
                Map<String, OnnxTensor> owner = unetWeights;
                for (int i = 0; i < encoders.size(); i++) {
                    if (key.startsWith(encoders.get(i).prefix())) {
                        owner = clipWeights.get(i);
                    }
                }
                owner.put(key, t);
            }
            closeSessions(false);
            NativeHeap.trim();
            unet = unetSession(unetWeights);
            NativeHeap.trim();
            for (int i = 0; i < clips.length; i++) {
                clips[i] = clipSession(i, clipWeights.get(i));
            }
            merged.forEach(OnnxTensor::close);
            merged = tensors;
            loras = List.copyOf(wanted);
            unknownLoraKeys = result.unknown();
        } catch (IOException | OrtException | RuntimeException e) {
            tensors.forEach(OnnxTensor::close);
            throw e;
        } finally {
            files.forEach(SafeTensors::close);
        }
    }

    /** base + delta, stored in the base weight's own dtype in native memory that ORT reads in place. */
    private OnnxTensor mergedTensor(TensorInfo base, float[] delta) throws OrtException {
        float[] w = checkpoint.floats(base);
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) base.length()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w.length; i++) {
            SafeTensorsWriter.putFloat(buffer, base.dtype(), w[i] + delta[i]);
        }
        buffer.flip();
        OnnxJavaType type = switch (base.dtype()) {
            case F32 -> OnnxJavaType.FLOAT;
            case F16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            default -> throw new IllegalStateException(base.dtype().name());
        };
        return OnnxTensor.createTensor(Sessions.env(), buffer, base.shape(), type);
    }

    /**
     * Text encoder {@code encoder} over windows of 77 token ids: the named outputs of {@link ClipGraph}
     * ({@code hidden} [windows,77,width], {@code penultimate}, {@code penultimate_raw}, {@code pooled} [windows,proj]),
     * flattened, in the order asked.
     */
    public float[][] encodeText(int encoder, long[] ids, int windows, String... outputs) throws OrtException {
        return encodeText(encoder, ids, windows, null, null, outputs);
    }

    /**
     * The same with textual-inversion vectors [windows,77,width] put in place of the token embeddings where
     * {@code mask} [windows,77] is 1 (both null: none).
     */
    public float[][] encodeText(int encoder, long[] ids, int windows, float[] vectors, float[] mask, String... outputs)
            throws OrtException {
        ClipConfig config = spec.textEncoders().get(encoder).config();
        int positions = config.positions();
        float[] v = vectors != null ? vectors : new float[windows * positions * config.width()];
        float[] m = mask != null ? mask : new float[windows * positions];
        try (OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(ids), new long[] {windows, positions});
             OnnxTensor vin = tensor(v, windows, positions, config.width());
             OnnxTensor min = tensor(m, windows, positions, 1);
             OrtSession.Result r = clips[encoder].run(Map.of("input_ids", in, ClipGraph.EMBEDDING_VECTORS, vin,
                     ClipGraph.EMBEDDING_MASK, min), Set.of(outputs), releaseScratch)) {
            float[][] out = new float[outputs.length][];
            for (int i = 0; i < outputs.length; i++) {
                out[i] = floats(r, outputs[i]);
            }
            return out;
        } finally {
            NativeHeap.trim();
        }
    }

    /**
     * One UNet call: the prediction (eps or v) for a batch of latents [b,c,h,w] at timesteps [b] with contexts
     * [b,tokens,width] and, for SDXL, vectors {@code y} [b,adm] (null otherwise).
     * {@code lastStep}: no call follows soon, so the UNet's scratch memory (about 0.35 GB at 512x512 with CFG) goes
     * back to the system after this one instead of staying through the VAE decode and until the next generation.
     */
    public float[] unet(float[] sample, int batch, int height, int width, float[] timesteps, float[] context, int tokens,
                        float[] y, boolean lastStep) throws OrtException {
        int adm = spec.unet().admChannels();
        if ((adm > 0) != (y != null)) {
            throw new IllegalArgumentException("this UNet takes " + (adm > 0 ? "a vector y of " + adm : "no vector y"));
        }
        try (OnnxTensor x = tensor(sample, batch, spec.unet().inChannels(), height, width);
             OnnxTensor t = tensor(timesteps, batch);
             OnnxTensor c = tensor(context, batch, tokens, spec.unet().contextWidth());
             OnnxTensor v = y == null ? null : tensor(y, batch, adm)) {
            Map<String, OnnxTensor> inputs = v == null ? Map.of("sample", x, "timestep", t, "context", c)
                    : Map.of("sample", x, "timestep", t, "context", c, "y", v);
            try (OrtSession.Result r = lastStep ? unet.run(inputs, releaseScratch) : unet.run(inputs)) {
                return floats(r, "prediction");
            }
        }
    }

    /**
     * An inpainting checkpoint: its UNet also takes the mask and the masked image's latent (9 channels for SD 1.5's
     * sd-v1-5-inpainting), which {@link SdPipeline} supplies.
     */
    public boolean inpainting() {
        return spec.unet().inChannels() != vae.latentChannels();
    }

    /** VAE decoder: latent [1,c,h,w] to image [1,3,h*f,w*f] in [-1,1]. */
    public float[] decode(float[] latent, int height, int width) throws OrtException {
        // The UNet's 16-bit weights are mapped from the checkpoint; the decode does not read them.
        NativeHeap.releaseMappedFile(checkpoint.path());
        try (OnnxTensor z = tensor(latent, 1, vae.latentChannels(), height, width)) {
            return runOnce(vaeDecoder, Map.of("latent", z), "image");
        }
    }

    /**
     * Each VAE decoder group norm's per-group mean and variance ([norm][group]), as one image's tiles share them.
     */
    public record NormStatistics(float[][] means, float[][] variances) {}

    /**
     * The VAE decoder in tiles of {@code tile} latent cells overlapping by {@code overlap} ({@link TiledDecoder}), its
     * group norms sharing statistics across the tiles as if the image were decoded whole: a first pass over the tiles
     * gathers every norm's statistics ({@link #decoderStatistics}), the second decodes with them. Tiles that each
     * normalized by their own statistics would differ in tone and show their seams. Both networks are made for the
     * call and closed after it: tiling is for when memory is short.
     */
    public float[] decodeTiled(float[] latent, int height, int width, int tile, int overlap) throws OrtException {
        NormStatistics shared = decoderStatistics(latent, height, width, tile, overlap);
        SafeTensors source = vaeSource();
        try (OrtSession given = session(VaeGraph.decoder(vae, new CheckpointWeights(source, vaePrefix), VaeGraph.Norms.GIVEN),
                source, Map.of())) {
            return TiledDecoder.decode(latent, vae.latentChannels(), height, width, vae.factor(), tile, overlap,
                    (piece, th, tw) -> decode(given, piece, th, tw, shared));
        }
    }

    /**
     * Every decoder group norm's statistics over the tiles together: each tile's per-group mean and mean square
     * weighted by its area (overlaps counted in every tile that holds them).
     */
    NormStatistics decoderStatistics(float[] latent, int height, int width, int tile, int overlap) throws OrtException {
        SafeTensors source = vaeSource();
        try (OrtSession reported = session(VaeGraph.decoder(vae, new CheckpointWeights(source, vaePrefix),
                VaeGraph.Norms.REPORTED), source, Map.of())) {
            int norms = (int) reported.getOutputNames().stream().filter(n -> n.endsWith(".mean")).count();
            double[][] mean = new double[norms][];
            double[][] square = new double[norms][];
            double[] area = {0};
            TiledDecoder.forEachTile(latent, vae.latentChannels(), height, width, tile, overlap, (piece, y0, x0, th, tw) -> {
                try (OnnxTensor z = tensor(piece, 1, vae.latentChannels(), th, tw);
                     OrtSession.Result r = reported.run(Map.of("latent", z), releaseScratch)) {
                    for (int k = 0; k < norms; k++) {
                        float[] m = floats(r, "norm." + k + ".mean");
                        float[] v = floats(r, "norm." + k + ".variance");
                        if (mean[k] == null) {
                            mean[k] = new double[m.length];
                            square[k] = new double[m.length];
                        }
                        for (int g = 0; g < m.length; g++) {
                            mean[k][g] += (double) th * tw * m[g];
                            square[k][g] += (double) th * tw * (v[g] + (double) m[g] * m[g]);
                        }
                    }
                }
                area[0] += (double) th * tw;
            });
            NativeHeap.trim();
            float[][] means = new float[norms][];
            float[][] variances = new float[norms][];
            for (int k = 0; k < norms; k++) {
                means[k] = new float[mean[k].length];
                variances[k] = new float[mean[k].length];
                for (int g = 0; g < mean[k].length; g++) {
                    double m = mean[k][g] / area[0];
                    means[k][g] = (float) m;
                    variances[k][g] = (float) Math.max(0, square[k][g] / area[0] - m * m);
                }
            }
            return new NormStatistics(means, variances);
        }
    }

    /** One tile through the decoder whose group norms take {@code shared}'s statistics. */
    private float[] decode(OrtSession given, float[] latent, int height, int width, NormStatistics shared) throws OrtException {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("latent", tensor(latent, 1, vae.latentChannels(), height, width));
            for (int k = 0; k < shared.means().length; k++) {
                inputs.put("norm." + k + ".mean", tensor(shared.means()[k], 1, shared.means()[k].length, 1));
                inputs.put("norm." + k + ".variance", tensor(shared.variances()[k], 1, shared.variances()[k].length, 1));
            }
            return runOnce(given, inputs, "image");
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** VAE encoder: image [1,3,H,W] in [-1,1] to the scaled latent mean. */
    public float[] encode(float[] image, int height, int width) throws OrtException {
        if (vaeEncoder == null) {
            SafeTensors source = vaeSource();
            vaeEncoder = session(VaeGraph.encoder(vae, new CheckpointWeights(source, vaePrefix)), source, Map.of());
        }
        try (OnnxTensor x = tensor(image, 1, vae.imageChannels(), height, width)) {
            return runOnce(vaeEncoder, Map.of("image", x), "latent");
        }
    }

    /**
     * Runs a network used once per image (text encoder, VAE) and gives its scratch memory back at once: the
     * arena's regions (the VAE decode's 1.3 GB at 512x512 would otherwise stay through every later UNet step),
     * then the C heap's free blocks (glibc kept 160 MB after SD 1.5's text encoder had widened its weights).
     */
    private float[] runOnce(OrtSession session, Map<String, OnnxTensor> inputs, String output) throws OrtException {
        try (OrtSession.Result r = session.run(inputs, releaseScratch)) {
            return floats(r, output);
        } finally {
            NativeHeap.trim();
        }
    }

    private static OnnxTensor tensor(float[] data, long... shape) throws OrtException {
        return OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(data), shape);
    }

    private static float[] floats(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    private void closeSessions(boolean all) throws OrtException {
        List<OrtSession> open = new ArrayList<>(Arrays.asList(clips));
        open.add(unet);
        if (all) {
            open.add(vaeDecoder);
            open.add(vaeEncoder);
        }
        for (OrtSession s : open) {
            if (s != null) {
                s.close();
            }
        }
        Arrays.fill(clips, null);
        unet = null;
        if (all) {
            vaeDecoder = null;
            vaeEncoder = null;
        }
    }

    @Override
    public void close() {
        try {
            closeSessions(true);
        } catch (OrtException e) {
            throw new IllegalStateException("closing ONNX Runtime sessions failed", e);
        } finally {
            merged.forEach(OnnxTensor::close);
            merged = List.of();
            releaseScratch.close();
            checkpoint.close();
            if (vaeFile != null) {
                vaeFile.close();
            }
            NativeHeap.trim();
        }
    }

    @Override
    public String toString() {
        return checkpoint.fileName() + (vaeFile == null ? "" : " + " + vaeFile.fileName()) + " " + Objects.toString(loras);
    }
}
