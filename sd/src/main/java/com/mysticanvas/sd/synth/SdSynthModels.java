package com.mysticanvas.sd.synth;

import com.mysticanvas.sd.graph.Layouts;
import com.mysticanvas.sd.lora.LoraTargets;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.model.VaeConfig;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random-weight Stable Diffusion checkpoints, LoRAs and VAEs for tests and benchmarks, with the key names
 * and layout of real SD 1.x files (so other SD programs load them too). Weights are drawn per tensor from a seed
 * derived from its name, scaled by fan-in so activations stay in a sane range; norms start at scale 1, bias 0.
 */
public final class SdSynthModels {
    /** The tiny preset's networks: every code path, milliseconds per step at 64x64. */
    public static final UNetConfig TINY_UNET = new UNetConfig(4, 4, 32, new int[] {1, 2}, 1, new boolean[] {true, false}, 8, 64, 1);
    public static final ClipConfig TINY_CLIP = new ClipConfig(49408, 64, 2, 1, 256, 77);
    public static final VaeConfig TINY_VAE = new VaeConfig(3, 32, new int[] {1, 1, 2, 2}, 1, 4, VaeConfig.SD_SCALE);
    public static final SdModelSpec TINY = spec(TINY_CLIP, TINY_UNET, TINY_VAE);
    public static final SdModelSpec SD15 = spec(ClipConfig.SD15, UNetConfig.SD15, VaeConfig.SD15);

    private SdSynthModels() {}

    private static SdModelSpec spec(ClipConfig clip, UNetConfig unet, VaeConfig vae) {
        return new SdModelSpec(Family.SD1, clip, SdModelSpec.SD1_CLIP, unet, SdModelSpec.SD1_UNET, vae, SdModelSpec.SD1_VAE);
    }

    /** Writes the preset's image models under {@code out/sd/}; presets without one write nothing. */
    public static void write(String preset, Path out) throws IOException {
        Path sd = out.resolve("sd");
        switch (preset) {
            case "tiny" -> {
                writeCheckpoint(TINY, DType.F16, 1, sd.resolve("checkpoints/tiny-sd.safetensors"));
                writeVae(TINY_VAE, DType.F16, 2, sd.resolve("vae/tiny-vae.safetensors"));
                writeLora(TINY, 4, 3, sd.resolve("loras/tiny-lora.safetensors"));
            }
            case "sd15" -> writeCheckpoint(SD15, DType.F16, 1, sd.resolve("checkpoints/sd15-synth.safetensors"));
            default -> { }
        }
    }

    /** A full single-file checkpoint: text encoder, UNet, VAE and ldm's schedule buffers, all under their usual keys. */
    public static void writeCheckpoint(SdModelSpec spec, DType dtype, long seed, Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        addRandom(entries, spec.clipPrefix(), Layouts.clip(spec.clip()), dtype, seed);
        entries.add(new Entry(spec.clipPrefix() + "text_model.embeddings.position_ids", DType.I64,
                new long[] {1, spec.clip().positions()}, b -> {
                    for (int i = 0; i < spec.clip().positions(); i++) {
                        b.putLong(i);
                    }
                }));
        addRandom(entries, spec.unetPrefix(), Layouts.unet(spec.unet()), dtype, seed);
        addRandom(entries, spec.vaePrefix(), Layouts.vae(spec.vae()), dtype, seed);
        addScheduleBuffers(entries);
        SafeTensorsWriter.write(file, entries, Map.of("format", "pt", "mysticanvas", "synthetic random weights"));
    }

    /** A standalone VAE file (keys encoder.*, decoder.*, quant_conv, post_quant_conv), as vae-ft-mse files are. */
    public static void writeVae(VaeConfig vae, DType dtype, long seed, Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        addRandom(entries, "", Layouts.vae(vae), dtype, seed);
        SafeTensorsWriter.write(file, entries, Map.of("format", "pt"));
    }

    /**
     * A kohya-style LoRA (lora_unet_* and lora_te_*, lora_down/lora_up/alpha) of the given rank on the attention
     * projections, the transformers' proj_in (convolution) and every first ResBlock convolution (3x3, LoCon style),
     * and the text encoder's attention projections.
     */
    public static void writeLora(SdModelSpec spec, int rank, long seed, Path file) throws IOException {
        Map<String, long[]> unet = Layouts.unet(spec.unet());
        Map<String, long[]> clip = Layouts.clip(spec.clip());
        LoraTargets targets = LoraTargets.of(spec, unet, clip);
        List<Entry> entries = new ArrayList<>();
        targets.all().forEach((kohya, target) -> {
            boolean unetPart = kohya.startsWith("lora_unet_") && !kohya.startsWith("lora_unet_input_blocks")
                    && !kohya.startsWith("lora_unet_middle_block") && !kohya.startsWith("lora_unet_output_blocks");
            boolean wanted = unetPart && (kohya.matches(".*attn[12]_to_(q|k|v|out_0)") || kohya.endsWith("proj_in")
                    || kohya.endsWith("resnets_0_conv1"))
                    || kohya.startsWith("lora_te_") && kohya.matches(".*self_attn_(q|k|v)_proj");
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
