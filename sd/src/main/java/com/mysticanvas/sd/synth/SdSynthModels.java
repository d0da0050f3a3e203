package com.mysticanvas.sd.synth;

import com.mysticanvas.sd.graph.Layouts;
import com.mysticanvas.sd.lora.LoraTargets;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.SdModelSpec.TextEncoder;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.model.UpscalerSpec;
import com.mysticanvas.sd.model.VaeConfig;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random-weight Stable Diffusion checkpoints, LoRAs and VAEs for tests and benchmarks, with the key names
 * and layout of real SD 1.x, 2.x and SDXL files (so other SD programs load them too). Weights are drawn per tensor from a seed
 * derived from its name, scaled by fan-in so activations stay in a sane range; norms start at scale 1, bias 0.
 */
public final class SdSynthModels {
    /** The tiny preset's networks: every code path, milliseconds per step at 64x64. */
    public static final UNetConfig TINY_UNET = new UNetConfig(4, 4, 32, new int[] {1, 2}, 1, new int[] {1, 0}, 1, 8, 0, 64,
            false, 0);
    public static final ClipConfig TINY_CLIP = new ClipConfig(ClipConfig.Kind.OPENAI, 49408, 64, 2, 1, 256, 77, false);
    public static final ClipConfig TINY_OPEN_CLIP = new ClipConfig(ClipConfig.Kind.OPEN_CLIP, 49408, 64, 2, 1, 256, 77, true);
    public static final VaeConfig TINY_VAE = new VaeConfig(3, 32, new int[] {1, 1, 2, 2}, 1, 4, VaeConfig.SD_SCALE);
    public static final SdModelSpec TINY = spec(Family.SD1, List.of(new TextEncoder(TINY_CLIP, SdModelSpec.SD1_CLIP)),
            TINY_UNET, TINY_VAE);
    /** SD 2.x's layout in small: OpenCLIP naming, linear projections, head width 64. */
    public static final SdModelSpec TINY_SD2 = spec(Family.SD2, List.of(new TextEncoder(TINY_OPEN_CLIP, SdModelSpec.SD2_CLIP)),
            new UNetConfig(4, 4, 32, new int[] {1, 2}, 1, new int[] {1, 0}, 1, 0, 64, 64, true, 0), TINY_VAE);
    /** SDXL's layout in small: two encoders, three levels with transformer depths 0, 1, 2, the vector input. */
    public static final SdModelSpec TINY_SDXL = spec(Family.SDXL, List.of(new TextEncoder(TINY_CLIP, SdModelSpec.SDXL_CLIP_L),
            new TextEncoder(TINY_OPEN_CLIP, SdModelSpec.SDXL_CLIP_G)),
            new UNetConfig(4, 4, 32, new int[] {1, 2, 2}, 1, new int[] {0, 1, 2}, 2, 0, 64, 128, true,
                    64 + CheckpointInspector.SIZE_EMBEDDING * 6), TINY_VAE);
    public static final SdModelSpec TINY_SDXL_REFINER = spec(Family.SDXL_REFINER,
            List.of(new TextEncoder(TINY_OPEN_CLIP, SdModelSpec.REFINER_CLIP_G)),
            new UNetConfig(4, 4, 32, new int[] {1, 2, 2}, 1, new int[] {0, 1, 0}, 1, 0, 64, 64, true,
                    64 + CheckpointInspector.SIZE_EMBEDDING * 5), TINY_VAE);
    public static final SdModelSpec SD15 = spec(Family.SD1, List.of(new TextEncoder(ClipConfig.SD15, SdModelSpec.SD1_CLIP)),
            UNetConfig.SD15, VaeConfig.SD15);
    public static final SdModelSpec SD21 = spec(Family.SD2, List.of(new TextEncoder(ClipConfig.VIT_H, SdModelSpec.SD2_CLIP)),
            UNetConfig.SD21, VaeConfig.SD15);
    public static final SdModelSpec SDXL = spec(Family.SDXL, List.of(new TextEncoder(ClipConfig.SD15, SdModelSpec.SDXL_CLIP_L),
            new TextEncoder(ClipConfig.VIT_BIGG, SdModelSpec.SDXL_CLIP_G)), UNetConfig.SDXL, VaeConfig.SD15);

    private SdSynthModels() {}

    public static final UpscalerSpec TINY_ESRGAN = new UpscalerSpec.Rrdb(8, 1, 4, 2, 1);
    public static final UpscalerSpec TINY_COMPACT = new UpscalerSpec.Compact(8, 2, 4);
    /** RealESRGAN_x4plus's shape (4x-UltraSharp's too): 64 features, 23 RRDBs, growth 32. */
    public static final UpscalerSpec REAL_ESRGAN = new UpscalerSpec.Rrdb(64, 23, 32, 2, 1);
    /** realesr-general-x4v3's shape: 64 features, 32 convolutions. */
    public static final UpscalerSpec GENERAL_X4V3 = new UpscalerSpec.Compact(64, 32, 4);

    private static SdModelSpec spec(Family family, List<TextEncoder> encoders, UNetConfig unet, VaeConfig vae) {
        VaeConfig scaled = new VaeConfig(vae.imageChannels(), vae.channels(), vae.mult(), vae.resBlocks(),
                vae.latentChannels(), family.vaeScale());
        return new SdModelSpec(family, encoders, unet, SdModelSpec.SD1_UNET, scaled, SdModelSpec.SD1_VAE, null, false);
    }

    /** Writes the preset's image models under {@code out/sd/}; presets without one write nothing. */
    public static void write(String preset, Path out) throws IOException {
        Path sd = out.resolve("sd");
        switch (preset) {
            case "tiny" -> {
                writeCheckpoint(TINY, DType.F16, 1, sd.resolve("checkpoints/tiny-sd.safetensors"));
                writeVae(TINY_VAE, DType.F16, 2, sd.resolve("vae/tiny-vae.safetensors"));
                writeLora(TINY, 4, 3, sd.resolve("loras/tiny-lora.safetensors"));
                writeEmbedding(TINY, 2, 9, sd.resolve("embeddings/tiny-embedding.safetensors"));
                writeCheckpoint(TINY_SD2, DType.F16, 4, sd.resolve("checkpoints/tiny-sd2.safetensors"));
                writeLora(TINY_SD2, 4, 5, sd.resolve("loras/tiny-sd2-lora.safetensors"));
                writeCheckpoint(TINY_SDXL, DType.F16, 6, sd.resolve("checkpoints/tiny-sdxl.safetensors"));
                writeLora(TINY_SDXL, 4, 7, sd.resolve("loras/tiny-sdxl-lora.safetensors"));
                writeEmbedding(TINY_SDXL, 3, 10, sd.resolve("embeddings/tiny-sdxl-embedding.safetensors"));
                writeCheckpoint(TINY_SDXL_REFINER, DType.F16, 8, sd.resolve("checkpoints/tiny-sdxl-refiner.safetensors"));
                writeUpscaler(TINY_ESRGAN, DType.F16, 11, sd.resolve("upscalers/tiny-esrgan-4x.safetensors"));
                writeUpscaler(TINY_COMPACT, DType.F16, 12, sd.resolve("upscalers/tiny-compact-4x.safetensors"));
                writeTaesdDecoder(13, sd.resolve("vae-approx/taesd_decoder.safetensors"));
            }
            case "sd15" -> {
                writeCheckpoint(SD15, DType.F16, 1, sd.resolve("checkpoints/sd15-synth.safetensors"));
                writeUpscaler(REAL_ESRGAN, DType.F16, 2, sd.resolve("upscalers/realesrgan-x4-synth.safetensors"));
                writeUpscaler(GENERAL_X4V3, DType.F16, 3, sd.resolve("upscalers/compact-x4-synth.safetensors"));
            }
            case "sd21" -> writeCheckpoint(SD21, DType.F16, 1, sd.resolve("checkpoints/sd21-synth.safetensors"));
            case "sdxl" -> writeCheckpoint(SDXL, DType.F16, 1, sd.resolve("checkpoints/sdxl-synth.safetensors"));
            default -> { }
        }
    }

    /**
     * A full single-file checkpoint: text encoder(s), UNet, VAE and (SD 1.x/2.x, whose ldm checkpoints carry them) the
     * schedule buffers, all under their usual keys. {@code markers}: empty keys such as {@code v_pred} and {@code ztsnr}
     * that checkpoints use to say how they were trained.
     */
    public static void writeCheckpoint(SdModelSpec spec, DType dtype, long seed, Path file, String... markers)
            throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (TextEncoder e : spec.textEncoders()) {
            addRandom(entries, e.prefix(), Layouts.clip(e.config()), dtype, seed);
            int positions = e.config().positions();
            if (e.config().kind() == ClipConfig.Kind.OPENAI) {
                entries.add(new Entry(e.prefix() + "text_model.embeddings.position_ids", DType.I64,
                        new long[] {1, positions}, b -> {
                            for (int i = 0; i < positions; i++) {
                                b.putLong(i);
                            }
                        }));
            } else {
                entries.add(SafeTensorsWriter.floats(e.prefix() + "logit_scale", DType.F32, new long[0],
                        new float[] {(float) Math.log(100)}));
            }
        }
        addRandom(entries, spec.unetPrefix(), Layouts.unet(spec.unet()), dtype, seed);
        addRandom(entries, spec.vaePrefix(), Layouts.vae(spec.vae()), dtype, seed);
        if (!spec.family().xl()) {
            addScheduleBuffers(entries);
        }
        for (String marker : markers) {
            entries.add(SafeTensorsWriter.floats(marker, DType.F32, new long[0], new float[] {0}));
        }
        SafeTensorsWriter.write(file, entries, Map.of("format", "pt", "mysticanvas", "synthetic random weights"));
    }

    /** A standalone VAE file (keys encoder.*, decoder.*, quant_conv, post_quant_conv), as vae-ft-mse files are. */
    public static void writeVae(VaeConfig vae, DType dtype, long seed, Path file) throws IOException {
        writeVae(vae, dtype, seed, file, Map.of());
    }

    /** As {@link #writeVae(VaeConfig, DType, long, Path)}, with header metadata (such as modelspec.architecture). */
    public static void writeVae(VaeConfig vae, DType dtype, long seed, Path file, Map<String, String> metadata)
            throws IOException {
        List<Entry> entries = new ArrayList<>();
        addRandom(entries, "", Layouts.vae(vae), dtype, seed);
        Map<String, String> header = new LinkedHashMap<>(Map.of("format", "pt"));
        header.putAll(metadata);
        SafeTensorsWriter.write(file, entries, header);
    }

    /**
     * A kohya-style LoRA (lora_unet_* and lora_te_*, lora_down/lora_up/alpha) of the given rank on the attention
     * projections, the transformers' proj_in (convolution) and every first ResBlock convolution (3x3, LoCon style),
     * and the text encoder's attention projections.
     */
    public static void writeLora(SdModelSpec spec, int rank, long seed, Path file) throws IOException {
        LoraTargets targets = LoraTargets.of(spec);
        String te = spec.textEncoders().size() == 1 ? "lora_te_" : "lora_te[12]_";
        List<Entry> entries = new ArrayList<>();
        targets.all().forEach((kohya, target) -> {
            boolean unetPart = kohya.startsWith("lora_unet_") && !kohya.startsWith("lora_unet_input_blocks")
                    && !kohya.startsWith("lora_unet_middle_block") && !kohya.startsWith("lora_unet_output_blocks");
            boolean wanted = unetPart && (kohya.matches(".*attn[12]_to_(q|k|v|out_0)") || kohya.endsWith("proj_in")
                    || kohya.endsWith("resnets_0_conv1"))
                    || kohya.matches(te + "text_model_encoder_layers_\\d+_self_attn_(q|k|v)_proj");
            if (!wanted) {
                return;
            }
            long[] shape = target.shape();
            long out = shape[0];
            long in = shape[1];
            long[] down = shape.length == 4 ? new long[] {rank, in, shape[2], shape[3]} : new long[] {rank, in};
            long[] up = shape.length == 4 ? new long[] {out, rank, 1, 1} : new long[] {out, rank};
            entries.add(randomEntry(kohya + ".lora_down.weight", down, DType.F16, seed, 1f));
            entries.add(randomEntry(kohya + ".lora_up.weight", up, DType.F16, seed, 1f));
            entries.add(SafeTensorsWriter.floats(kohya + ".alpha", DType.F32, new long[0], new float[] {rank / 2f}));
        });
        SafeTensorsWriter.write(file, entries, Map.of("ss_network_module", "networks.lora", "ss_network_dim",
                Integer.toString(rank)));
    }

    /**
     * A textual-inversion embedding of {@code vectors} vectors for the family's text encoders, in the layout its
     * trainers write: {@code emb_params} [n, width] for one encoder, {@code clip_l} and {@code clip_g} for SDXL's two.
     */
    public static void writeEmbedding(SdModelSpec spec, int vectors, long seed, Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<SdModelSpec.TextEncoder> encoders = spec.textEncoders();
        for (SdModelSpec.TextEncoder e : encoders) {
            String key = encoders.size() == 1 ? "emb_params"
                    : e.config().kind() == com.mysticanvas.sd.model.ClipConfig.Kind.OPENAI ? "clip_l" : "clip_g";
            // Token embeddings are small (their init's 0.02 gain): so are trained embeddings.
            entries.add(randomEntry(key, new long[] {vectors, e.config().width()}, DType.F32, seed, 0.02f));
        }
        SafeTensorsWriter.write(file, entries, Map.of());
    }

    /** A TAESD decoder with random weights, in its own numbered names (for previews; TAESDXL has the same layout). */
    public static void writeTaesdDecoder(long seed, Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        addRandom(entries, "", Layouts.taesdDecoder(), DType.F32, seed);
        SafeTensorsWriter.write(file, entries, Map.of());
    }

    /** An upscaler model with random weights, in basicsr's names (RRDBNet) or SRVGG's. */
    public static void writeUpscaler(UpscalerSpec spec, DType dtype, long seed, Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        addRandom(entries, "", Layouts.upscaler(spec), dtype, seed);
        SafeTensorsWriter.write(file, entries, Map.of());
    }

    private static void addRandom(List<Entry> entries, String prefix, Map<String, long[]> layout, DType dtype, long seed) {
        layout.forEach((name, shape) -> {
            float gain = name.contains("token_embedding") || name.contains("position_embedding") ? 0.02f : 1f;
            entries.add(randomEntry(prefix + name, shape, dtype, seed, gain));
        });
    }

    /**
     * Uniform weights with the variance of PyTorch's default init (1/fan_in) times {@code gain}; norm scales
     * 1 + small noise, biases small.
     */
    static Entry randomEntry(String name, long[] shape, DType dtype, long seed, float gain) {
        boolean norm = name.contains("norm") && shape.length == 1;
        boolean bias = name.endsWith(".bias");
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) {
            fanIn *= shape[i];
        }
        double bound = shape.length >= 2 ? gain * Math.sqrt(3.0 / fanIn) : 0.1;
        float base = norm && !bias ? 1f : 0f;
        long tensorSeed = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
        return new Entry(name, dtype, shape, buffer -> fillUniform(buffer, dtype, tensorSeed, base, (float) bound));
    }

    private static void fillUniform(ByteBuffer buffer, DType dtype, long seed, float base, float bound) {
        SplittableRandom random = new SplittableRandom(seed);
        while (buffer.hasRemaining()) {
            float v = base + (float) ((random.nextDouble() * 2 - 1) * bound);
            SafeTensorsWriter.putFloat(buffer, dtype, v);
        }
    }

    /** ldm's DDPM buffers for the scaled_linear schedule (beta 0.00085..0.012, 1000 steps), as real checkpoints carry. */
    private static void addScheduleBuffers(List<Entry> entries) {
        int n = 1000;
        double[] betas = new double[n];
        double[] cumprod = new double[n];
        double start = Math.sqrt(0.00085);
        double end = Math.sqrt(0.012);
        double acc = 1;
        for (int i = 0; i < n; i++) {
            double s = start + (end - start) * i / (n - 1);
            betas[i] = s * s;
            acc *= 1 - betas[i];
            cumprod[i] = acc;
        }
        float[][] buffers = new float[12][n];
        for (int i = 0; i < n; i++) {
            double prev = i == 0 ? 1 : cumprod[i - 1];
            double posteriorVariance = betas[i] * (1 - prev) / (1 - cumprod[i]);
            buffers[0][i] = (float) betas[i];
            buffers[1][i] = (float) cumprod[i];
            buffers[2][i] = (float) prev;
            buffers[3][i] = (float) Math.sqrt(cumprod[i]);
            buffers[4][i] = (float) Math.sqrt(1 - cumprod[i]);
            buffers[5][i] = (float) Math.log(1 - cumprod[i]);
            buffers[6][i] = (float) Math.sqrt(1 / cumprod[i]);
            buffers[7][i] = (float) Math.sqrt(1 / cumprod[i] - 1);
            buffers[8][i] = (float) posteriorVariance;
            buffers[9][i] = (float) Math.log(Math.max(posteriorVariance, 1e-20));
            buffers[10][i] = (float) (betas[i] * Math.sqrt(prev) / (1 - cumprod[i]));
            buffers[11][i] = (float) ((1 - prev) * Math.sqrt(1 - betas[i]) / (1 - cumprod[i]));
        }
        String[] names = {"betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
            "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
            "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
            "posterior_mean_coef1", "posterior_mean_coef2"};
        for (int k = 0; k < names.length; k++) {
            entries.add(SafeTensorsWriter.floats(names[k], DType.F32, new long[] {n}, buffers[k]));
        }
    }
}
