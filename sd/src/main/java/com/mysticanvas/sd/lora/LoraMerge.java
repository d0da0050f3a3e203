package com.mysticanvas.sd.lora;

import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges LoRA files into a checkpoint's weights: W' = W + weight * (alpha / rank) * up @ down, for linear layers
 * ([out,r] @ [r,in]) and convolutions ([out,r,1,1] @ [r,in,k,k]), several LoRAs at once. Kohya names
 * ({@code lora_unet_*}, {@code lora_te_*} with lora_down/lora_up/alpha) and diffusers/PEFT names
 * ({@code unet.….lora_A/lora_B}, {@code ….lora.down/up}, attention-processor {@code to_q_lora.down}) are read.
 * Keys that match no layer are reported, not silently dropped; a LoRA whose layers have other shapes than the
 * checkpoint's, or that matches nothing at all, is refused as made for another architecture.
 */
public final class LoraMerge {
    /** One LoRA file to apply with its strength. */
    public record Applied(SafeTensors file, float weight) {}

    /**
     * @param deltas  per checkpoint key, the summed change (f32, the weight's own layout)
     * @param unknown per LoRA file name, the keys that matched no layer
     * @param modules layers changed
     */
    public record Result(Map<String, float[]> deltas, Map<String, List<String>> unknown, int modules) {}

    private record Module(String name, TensorInfo down, TensorInfo up, TensorInfo alpha) {}

    private static final String[][] SUFFIXES = {
        {".lora_down.weight", "down"}, {".lora_up.weight", "up"}, {".alpha", "alpha"},
        {".lora_A.weight", "down"}, {".lora_B.weight", "up"},
        {".lora_linear_layer.down.weight", "down"}, {".lora_linear_layer.up.weight", "up"},
        {"_lora.down.weight", "down"}, {"_lora.up.weight", "up"},
        {".lora.down.weight", "down"}, {".lora.up.weight", "up"}};

    private LoraMerge() {}

    public static Result deltas(LoraTargets targets, List<Applied> loras) {
        Map<String, float[]> deltas = new LinkedHashMap<>();
        Map<String, List<String>> unknown = new LinkedHashMap<>();
        int modules = 0;
        for (Applied lora : loras) {
            String file = lora.file().fileName();
            Family made = familyOf(lora.file());
            if (made != null && made != targets.family()) {
                throw new ModelFileException(file, "this is a " + made.title() + " LoRA; the loaded checkpoint is "
                        + targets.family().title());
            }
            List<String> skipped = new ArrayList<>();
            Map<String, Module> parsed = parse(lora.file(), skipped);
            int matched = 0;
            for (Module m : parsed.values()) {
                LoraTargets.Target target = targets.find(m.name());
                if (target == null || m.down() == null || m.up() == null) {
                    for (TensorInfo t : new TensorInfo[] {m.down(), m.up(), m.alpha()}) {
                        if (t != null) {
                            skipped.add(t.name());
                        }
                    }
                    continue;
                }
                apply(lora, m, target, deltas.computeIfAbsent(target.key(),
                        k -> new float[(int) TensorInfo.elements(target.tensorShape())]));
                matched++;
            }
            if (matched == 0) {
                throw new ModelFileException(file, "no layer of this LoRA exists in the loaded checkpoint: it was made for "
                        + "another model architecture" + (skipped.isEmpty() ? "" : " (first key: " + skipped.getFirst() + ")"));
            }
            if (!skipped.isEmpty()) {
                skipped.sort(null);
                unknown.put(file, skipped);
            }
            modules += matched;
        }
        return new Result(deltas, unknown, modules);
    }

    /**
     * The family a LoRA was trained for, from its keys: the width of the context its cross-attention keys read
     * (768 SD 1.x, 1024 SD 2.x, 2048 SDXL, 1280 the SDXL refiner), else its structure: SDXL's two text encoders
     * ({@code lora_te1_}/{@code lora_te2_}, diffusers' {@code text_encoder_2}), then the transformers' proj_in, a 1x1
     * convolution in SD 1.x and a linear layer in SD 2.x (and SDXL); null when nothing tells (a LoRA of the text
     * encoder only, say).
     */
    static Family familyOf(SafeTensors lora) {
        boolean twoEncoders = false;
        long context = 0;
        int projInRank = 0;
        for (TensorInfo t : lora.tensors().values()) {
            String k = t.name();
            twoEncoders |= k.startsWith("lora_te1_") || k.startsWith("lora_te2_") || k.contains("text_encoder_2.");
            boolean down = k.endsWith("lora_down.weight") || k.endsWith("lora_A.weight") || k.endsWith(".down.weight");
            if (context == 0 && down && t.rank() >= 2 && (k.contains("attn2_to_k") || k.contains("attn2.to_k"))) {
                context = t.dim(1);
            }
            if (projInRank == 0 && down && (k.contains("proj_in.") || k.contains("proj_in_"))) {
                projInRank = t.rank();
            }
        }
        return switch ((int) context) {
            case 768 -> Family.SD1;
            case 1024 -> Family.SD2;
            case 2048 -> Family.SDXL;
            case 1280 -> Family.SDXL_REFINER;
            default -> twoEncoders ? Family.SDXL : projInRank == 4 ? Family.SD1 : projInRank == 2 ? Family.SD2 : null;
        };
    }

    /** Groups a LoRA file's keys by layer under kohya-style names; keys of no known form go to {@code skipped}. */
    static Map<String, Module> parse(SafeTensors lora, List<String> skipped) {
        Map<String, TensorInfo[]> parts = new TreeMap<>();
        for (TensorInfo t : lora.tensors().values()) {
            String key = t.name();
            String role = null;
            String module = null;
            for (String[] s : SUFFIXES) {
                if (key.endsWith(s[0])) {
                    role = s[1];
                    module = kohyaName(key.substring(0, key.length() - s[0].length()));
                    break;
                }
            }
            if (module == null) {
                skipped.add(key);
                continue;
            }
            TensorInfo[] p = parts.computeIfAbsent(module, k -> new TensorInfo[3]);
            p[switch (role) { case "down" -> 0; case "up" -> 1; default -> 2; }] = t;
        }
        Map<String, Module> modules = new LinkedHashMap<>();
        parts.forEach((name, p) -> modules.put(name, new Module(name, p[0], p[1], p[2])));
        return modules;
    }

    /** kohya names pass through; diffusers/PEFT module paths become {@code lora_unet_…}/{@code lora_te_…}; else null. */
    static String kohyaName(String module) {
        if (module.startsWith("lora_unet_") || module.startsWith("lora_te_") || module.startsWith("lora_te1_")
                || module.startsWith("lora_te2_")) {
            return module;
        }
        String m = module.startsWith("base_model.model.") ? module.substring("base_model.model.".length()) : module;
        String prefix;
        if (m.startsWith("unet.")) {
            prefix = "lora_unet_";
            m = m.substring(5);
        } else if (m.startsWith("text_encoder_2.")) {
            prefix = "lora_te2_";
            m = m.substring(15);
        } else if (m.startsWith("text_encoder.")) {
            prefix = "lora_te_";
            m = m.substring(13);
        } else {
            return null;
        }
        m = m.replace(".processor.", ".");
        if (m.endsWith(".to_out")) {
            m += ".0";
        }
        return LoraTargets.kohya(prefix, m);
    }

    private static void apply(Applied lora, Module m, LoraTargets.Target target, float[] delta) {
        SafeTensors file = lora.file();
        long[] shape = target.shape();
        long out = shape[0];
        long inFlat = TensorInfo.elements(shape) / out;
        int rank = (int) m.down().dim(0);
        long downFlat = m.down().elements() / Math.max(1, rank);
        if (m.up().dim(0) != out || m.up().elements() != out * rank || downFlat != inFlat) {
            throw new ModelFileException(file.fileName(), "layer " + m.name() + " has LoRA shapes up "
                    + Arrays.toString(m.up().shape()) + " / down " + Arrays.toString(m.down().shape())
                    + " but the checkpoint's weight is " + Arrays.toString(shape)
                    + ": the LoRA was made for another model architecture");
        }
        float alpha = m.alpha() == null ? rank : file.floats(m.alpha())[0];
        addProduct(delta, (int) (target.rowOffset() * inFlat), file.floats(m.up()), file.floats(m.down()), (int) out,
                rank, (int) inFlat, lora.weight() * alpha / rank);
    }

    /** delta[offset + o*in + i] += scale * sum_r up[o][r] * down[r][i]. */
    static void addProduct(float[] delta, int offset, float[] up, float[] down, int out, int rank, int in, float scale) {
        for (int o = 0; o < out; o++) {
            int row = offset + o * in;
            for (int r = 0; r < rank; r++) {
                float u = scale * up[o * rank + r];
                if (u == 0) {
                    continue;
                }
                int d = r * in;
                for (int i = 0; i < in; i++) {
                    delta[row + i] += u * down[d + i];
                }
            }
        }
    }
}
