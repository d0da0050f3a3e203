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
 * Merges LoRA files into a checkpoint's weights, W' = W + multiplier * scale * update, several at once, with
 * A1111's update rules ({@code extensions-builtin/Lora/network_*.py}):
 * <ul>
 *   <li>LoRA / LoCon: update = up @ down, for linear layers ([out,r] @ [r,in]) and convolutions
 *       ([out,r,1,1] @ [r,in,k,k]); with a {@code lora_mid} (LoCon's Tucker form) the 1x1 up and down around a
 *       [r,r,k,k] core; scale alpha / r.</li>
 *   <li>LoHa: the elementwise product of two low-rank products (w1a @ w1b) * (w2a @ w2b), each optionally in Tucker
 *       form with {@code hada_t1/t2}; scale alpha / rank of w1b.</li>
 *   <li>LoKr: the Kronecker product of w1 and w2, each whole or a low-rank product (w2 optionally Tucker with
 *       {@code lokr_t2}); scale alpha / the rank of its factored parts (1 when both are whole).</li>
 * </ul>
 * The multiplier is the LoRA's text-encoder weight for text-encoder layers and its UNet weight for the others.
 * Kohya names ({@code lora_unet_*}, {@code lora_te_*}) and diffusers/PEFT names ({@code unet.….lora_A/lora_B},
 * {@code ….lora.down/up}, attention-processor {@code to_q_lora.down}) are read. Keys that match no layer are
 * reported, not silently dropped; a DoRA file (its {@code dora_scale} keys) is refused rather than merged as a plain
 * LoRA (which would give another image); a LoRA whose layers have other shapes than the checkpoint's, or that
 * matches nothing at all, is refused as made for another architecture.
 */
public final class LoraMerge {
    /** One LoRA file to apply with its strengths on the text encoders and on the UNet. */
    public record Applied(SafeTensors file, float textEncoderWeight, float unetWeight) {
        public Applied(SafeTensors file, float weight) {
            this(file, weight, weight);
        }
    }

    /**
     * @param deltas  per checkpoint key, the summed change (f32, the weight's own layout)
     * @param unknown per LoRA file name, the keys that matched no layer
     * @param modules layers changed
     */
    public record Result(Map<String, float[]> deltas, Map<String, List<String>> unknown, int modules) {}

    /** One layer's tensors in a LoRA file, by role (kohya's key suffix: {@code lora_down.weight}, {@code hada_w1_a} …). */
    record Module(String name, Map<String, TensorInfo> parts) {
        TensorInfo part(String role) {
            return parts.get(role);
        }
    }

    static final String DOWN = "lora_down.weight";
    static final String UP = "lora_up.weight";
    static final String MID = "lora_mid.weight";
    static final String ALPHA = "alpha";
    static final String DORA = "dora_scale";
    private static final List<String> LOHA = List.of("hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b");
    private static final List<String> LYCORIS = List.of("hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b", "hada_t1",
            "hada_t2", "lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "lokr_t2", DORA);

    /** Key suffixes and the role they give, diffusers/PEFT spellings mapped onto kohya's. */
    private static final String[][] SUFFIXES = {
        {".lora_down.weight", DOWN}, {".lora_up.weight", UP}, {".lora_mid.weight", MID}, {".alpha", ALPHA},
        {".lora_A.weight", DOWN}, {".lora_B.weight", UP},
        {".lora_linear_layer.down.weight", DOWN}, {".lora_linear_layer.up.weight", UP},
        {"_lora.down.weight", DOWN}, {"_lora.up.weight", UP},
        {".lora.down.weight", DOWN}, {".lora.up.weight", UP}};

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
                if (m.part(DORA) != null) {
                    throw new ModelFileException(file, "layer " + m.name() + " is DoRA (weight-decomposed, dora_scale), "
                            + "which is not supported: merged as a plain LoRA it would make another image");
                }
                LoraTargets.Target target = targets.find(m.name());
                if (target == null || kind(m) == null) {
                    m.parts().values().forEach(t -> skipped.add(t.name()));
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
        Map<String, Map<String, TensorInfo>> parts = new TreeMap<>();
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
            int dot = key.lastIndexOf('.');
            if (module == null && dot > 0 && LYCORIS.contains(key.substring(dot + 1))) {
                role = key.substring(dot + 1);
                module = kohyaName(key.substring(0, dot));
            }
            if (module == null) {
                skipped.add(key);
                continue;
            }
            parts.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(role, t);
        }
        Map<String, Module> modules = new LinkedHashMap<>();
        parts.forEach((name, p) -> modules.put(name, new Module(name, p)));
        return modules;
    }

    /** The update rule a layer's tensors make, or null when they make none (an up without its down, say). */
    enum Kind { LORA, LOHA, LOKR }

    static Kind kind(Module m) {
        Map<String, TensorInfo> p = m.parts();
        if (p.containsKey(DOWN) && p.containsKey(UP)) {
            return Kind.LORA;
        }
        if (p.keySet().containsAll(LOHA)) {
            return Kind.LOHA;
        }
        boolean w1 = p.containsKey("lokr_w1") || p.containsKey("lokr_w1_a") && p.containsKey("lokr_w1_b");
        boolean w2 = p.containsKey("lokr_w2") || p.containsKey("lokr_w2_a") && p.containsKey("lokr_w2_b");
        return w1 && w2 ? Kind.LOKR : null;
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
        float multiplier = m.name().startsWith("lora_te") ? lora.textEncoderWeight() : lora.unetWeight();
        TensorInfo alpha = m.part(ALPHA);
        Float alphaValue = alpha == null ? null : file.floats(alpha)[0];
        int offset = (int) (target.rowOffset() * inFlat);
        if (kind(m) == Kind.LORA && m.part(MID) == null) { // the common case, without making the dense update
            TensorInfo down = m.part(DOWN);
            TensorInfo up = m.part(UP);
            int rank = (int) down.dim(0);
            if (up.dim(0) != out || up.elements() != out * rank || down.elements() / Math.max(1, rank) != inFlat) {
                throw wrongShape(file, m, shape);
            }
            float scale = alphaValue == null ? 1 : alphaValue / rank;
            addProduct(delta, offset, file.floats(up), file.floats(down), (int) out, rank, (int) inFlat, multiplier * scale);
            return;
        }
        Map<String, Tensor> parts = new LinkedHashMap<>();
        m.parts().forEach((role, t) -> parts.put(role, new Tensor(t.shape(), file.floats(t))));
        float[] update = update(parts, shape);
        if (update == null) {
            throw wrongShape(file, m, shape);
        }
        float scale = multiplier * scale(parts, alphaValue);
        for (int i = 0; i < update.length; i++) {
            delta[offset + i] += scale * update[i];
        }
    }

    private static ModelFileException wrongShape(SafeTensors file, Module m, long[] shape) {
        StringBuilder parts = new StringBuilder();
        m.parts().forEach((role, t) -> parts.append(parts.isEmpty() ? "" : ", ").append(role).append(' ')
                .append(Arrays.toString(t.shape())));
        return new ModelFileException(file.fileName(), "layer " + m.name() + " has " + parts + " but the checkpoint's "
                + "weight is " + Arrays.toString(shape) + ": the LoRA was made for another model architecture");
    }

    /**
     * A1111's {@code calc_scale}: alpha over the layer's rank (LoRA: down's rows; LoHa: w1b's; LoKr: w2b's, else
     * w1b's), 1 without an alpha or a rank.
     */
    static float scale(Map<String, Tensor> parts, Float alpha) {
        Tensor rankOf = parts.containsKey(DOWN) ? parts.get(DOWN) : parts.containsKey("hada_w1_b") ? parts.get("hada_w1_b")
                : parts.containsKey("lokr_w2_b") ? parts.get("lokr_w2_b") : parts.get("lokr_w1_b");
        return alpha == null || rankOf == null ? 1 : alpha / rankOf.shape()[0];
    }

    /**
     * A layer's dense update (before scale and multiplier) from its tensors by role, in the layout of a weight of
     * {@code target}'s shape; null when the tensors do not make that shape.
     */
    static float[] update(Map<String, Tensor> parts, long[] target) {
        long out = target[0];
        long inFlat = TensorInfo.elements(target) / out;
        Tensor result;
        if (parts.containsKey(DOWN)) {
            Tensor up = parts.get(UP).matrix();
            Tensor down = parts.get(DOWN).matrix();
            result = parts.containsKey(MID) ? cp(parts.get(MID), up.transposed(), down) : up.times(down);
        } else if (parts.containsKey("hada_w1_a")) {
            Tensor first = loha(parts, "1");
            Tensor second = loha(parts, "2");
            if (first.size() != second.size()) {
                return null;
            }
            float[] product = new float[first.size()];
            for (int i = 0; i < product.length; i++) {
                product[i] = first.data()[i] * second.data()[i];
            }
            result = new Tensor(first.shape(), product);
        } else {
            result = kron(lokr(parts, "1"), lokr(parts, "2"));
        }
        return result != null && result.size() == out * inFlat && result.shape()[0] == out ? result.data() : null;
    }

    /** LoHa's factor i: w_a @ w_b, or with {@code hada_t<i>} the Tucker form. */
    private static Tensor loha(Map<String, Tensor> parts, String i) {
        Tensor a = parts.get("hada_w" + i + "_a");
        Tensor b = parts.get("hada_w" + i + "_b");
        Tensor t = parts.get("hada_t" + i);
        return t != null ? cp(t, a, b.matrix()) : a.matrix().times(b.matrix());
    }

    /** LoKr's factor i: whole, w_a @ w_b, or (w2 only) with {@code lokr_t2} the Tucker form. */
    private static Tensor lokr(Map<String, Tensor> parts, String i) {
        String whole = "lokr_w" + i;
        if (parts.containsKey(whole)) {
            return parts.get(whole);
        }
        Tensor a = parts.get(whole + "_a");
        Tensor b = parts.get(whole + "_b");
        Tensor t = parts.get("lokr_t" + i);
        return t != null ? cp(t, a, b.matrix()) : a.matrix().times(b.matrix());
    }

    /**
     * lyco's Tucker rebuild ({@code make_weight_cp}): core t [p, q, k, l], a [p, out], b [q, in] give
     * out[o, c, k, l] = sum over p, q of t[p, q, k, l] * a[p, o] * b[q, c].
     */
    static Tensor cp(Tensor t, Tensor a, Tensor b) {
        int p = (int) t.shape()[0];
        int q = (int) t.shape()[1];
        int kl = t.size() / (p * q);
        int out = a.size() / p;
        int in = b.size() / q;
        if (a.shape()[0] != p || b.shape()[0] != q) {
            return null;
        }
        float[] r = new float[out * in * kl];
        for (int pi = 0; pi < p; pi++) {
            for (int qi = 0; qi < q; qi++) {
                for (int o = 0; o < out; o++) {
                    float ao = a.data()[pi * out + o];
                    for (int c = 0; c < in; c++) {
                        float abc = ao * b.data()[qi * in + c];
                        int base = (o * in + c) * kl;
                        int core = (pi * q + qi) * kl;
                        for (int s = 0; s < kl; s++) {
                            r[base + s] += t.data()[core + s] * abc;
                        }
                    }
                }
            }
        }
        long[] shape = t.shape().length == 4 ? new long[] {out, in, t.shape()[2], t.shape()[3]} : new long[] {out, in};
        return new Tensor(shape, r);
    }

    /** torch's {@code kron} of w1 [a, b] with w2 [c, d] or [c, d, k, l] (w1 then taken as [a, b, 1, 1]). */
    static Tensor kron(Tensor w1, Tensor w2) {
        if (w1 == null || w2 == null || w1.shape().length != 2) {
            return null;
        }
        int a = (int) w1.shape()[0];
        int b = (int) w1.shape()[1];
        int c = (int) w2.shape()[0];
        int d = (int) w2.shape()[1];
        int kl = w2.size() / (c * d);
        float[] r = new float[a * b * w2.size()];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                float x = w1.data()[i * b + j];
                for (int pc = 0; pc < c; pc++) {
                    for (int qd = 0; qd < d; qd++) {
                        int to = (((i * c + pc) * b + j) * d + qd) * kl;
                        System.arraycopy(scaled(w2.data(), (pc * d + qd) * kl, kl, x), 0, r, to, kl);
                    }
                }
            }
        }
        long[] shape = w2.shape().length == 4 ? new long[] {(long) a * c, (long) b * d, w2.shape()[2], w2.shape()[3]}
                : new long[] {(long) a * c, (long) b * d};
        return new Tensor(shape, r);
    }

    private static float[] scaled(float[] src, int from, int n, float x) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = src[from + i] * x;
        }
        return out;
    }

    /** A small dense tensor for the update rules: its shape and row-major data. */
    record Tensor(long[] shape, float[] data) {
        int size() {
            return data.length;
        }

        /** As A1111's {@code reshape(size(0), -1)}. */
        Tensor matrix() {
            return new Tensor(new long[] {shape[0], data.length / shape[0]}, data);
        }

        Tensor transposed() {
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            float[] t = new float[data.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = data[r * cols + c];
                }
            }
            return new Tensor(new long[] {cols, rows}, t);
        }

        /** Matrix product; null when the inner sizes differ. */
        Tensor times(Tensor o) {
            if (shape[1] != o.shape[0]) {
                return null;
            }
            int n = (int) shape[0];
            int k = (int) shape[1];
            int m = (int) o.shape[1];
            float[] r = new float[n * m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    float x = data[i * k + j];
                    for (int c = 0; c < m; c++) {
                        r[i * m + c] += x * o.data[j * m + c];
                    }
                }
            }
            return new Tensor(new long[] {n, m}, r);
        }
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
