package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.system.NativeHeap;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.graph.CheckpointWeights;
import com.mysticanvas.sd.graph.ClipGraph;
import com.mysticanvas.sd.graph.Layouts;
import com.mysticanvas.sd.graph.UNetGraph;
import com.mysticanvas.sd.graph.VaeGraph;
import com.mysticanvas.sd.lora.LoraMerge;
import com.mysticanvas.sd.lora.LoraTargets;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.VaeConfig;
import com.mysticanvas.sd.onnx.OnnxGraph;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A loaded checkpoint: the memory-mapped file(s), the four networks as ONNX Runtime sessions (the VAE encoder is
 * created on first use) and the LoRA-merged weights in force. Not thread-safe: the pipeline drives it from one
 * engine thread. {@link #close()} frees the sessions, the merged tensors and the mappings.
 */
public final class SdModel implements AutoCloseable {
    /** A LoRA to merge: file and strength. */
    public record Lora(Path file, float weight) {}

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
    private OrtSession clip;
    private OrtSession unet;
    private OrtSession vaeDecoder;
    private OrtSession vaeEncoder;
    private final OrtSession.RunOptions releaseScratch;
    private List<OnnxTensor> merged = List.of();
    private List<Lora> loras = List.of();
    private Map<String, List<String>> unknownLoraKeys = Map.of();

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
        this.loraTargets = LoraTargets.of(spec, Layouts.unet(spec.unet()), Layouts.clip(spec.clip()));
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
        SafeTensors ck = SafeTensors.open(checkpointFile);
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
                vae = CheckpointInspector.vae(vf, vaePrefix);
                if (vae.latentChannels() != spec.vae().latentChannels() || vae.factor() != spec.vae().factor()) {
                    throw new ModelFileException(vf.fileName(), "this VAE has " + vae.latentChannels() + " latent channels and factor "
                            + vae.factor() + "; the checkpoint needs " + spec.vae().latentChannels() + " and " + spec.vae().factor());
                }
            }
            model = new SdModel(ck, vf, spec, vae, vaePrefix, threads, memory);
            // The UNet first, and the heap trimmed after it: building its session is the load's peak (ORT holds the
            // weights twice while it folds and reorders them), so nothing else should be resident yet.
            model.unet = model.unetSession(Map.of());
            NativeHeap.trim();
            model.clip = model.clipSession(Map.of());
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

    private OrtSession clipSession(Map<String, OnnxTensor> replaced) throws OrtException {
        CheckpointWeights weights = new CheckpointWeights(checkpoint, spec.clipPrefix(), ClipGraph.keptNarrow());
        return session(ClipGraph.build(spec.clip(), weights), checkpoint, replaced);
    }

    public SdModelSpec spec() {
        return spec;
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
                applied.add(new LoraMerge.Applied(f, l.weight()));
            }
            LoraMerge.Result result = LoraMerge.deltas(loraTargets, applied);
            Map<String, OnnxTensor> clipWeights = new HashMap<>();
            Map<String, OnnxTensor> unetWeights = new HashMap<>();
            for (Map.Entry<String, float[]> e : result.deltas().entrySet()) {
                OnnxTensor t = mergedTensor(checkpoint.tensor(e.getKey()), e.getValue());
                tensors.add(t);
                (e.getKey().startsWith(spec.unetPrefix()) ? unetWeights : clipWeights).put(e.getKey(), t);
            }
            closeSessions(false);
            NativeHeap.trim();
            unet = unetSession(unetWeights);
            NativeHeap.trim();
            clip = clipSession(clipWeights);
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

    /** Text encoder over windows of 77 token ids: returns [windows, 77, width] flattened. */
    public float[] encodeText(long[] ids, int windows, boolean penultimate) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(ids),
                new long[] {windows, spec.clip().positions()})) {
            return runOnce(clip, Map.of("input_ids", in), penultimate ? "penultimate" : "hidden");
        }
    }

    /**
     * One UNet call: eps for a batch of latents [b,c,h,w] at timesteps [b] with contexts [b,tokens,width].
     * {@code lastStep}: no call follows soon, so the UNet's scratch memory (about 0.35 GB at 512x512 with CFG) goes
     * back to the system after this one instead of staying through the VAE decode and until the next generation.
     */
    public float[] unet(float[] sample, int batch, int height, int width, float[] timesteps, float[] context, int tokens,
                        boolean lastStep) throws OrtException {
        try (OnnxTensor x = tensor(sample, batch, spec.unet().inChannels(), height, width);
             OnnxTensor t = tensor(timesteps, batch);
             OnnxTensor c = tensor(context, batch, tokens, spec.unet().contextWidth())) {
            Map<String, OnnxTensor> inputs = Map.of("sample", x, "timestep", t, "context", c);
            try (OrtSession.Result r = lastStep ? unet.run(inputs, releaseScratch) : unet.run(inputs)) {
                return floats(r, "eps");
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
        for (OrtSession s : all ? new OrtSession[] {clip, unet, vaeDecoder, vaeEncoder} : new OrtSession[] {clip, unet}) {
            if (s != null) {
                s.close();
            }
        }
        clip = null;
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
