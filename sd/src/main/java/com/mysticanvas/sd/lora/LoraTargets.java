package com.mysticanvas.sd.lora;

import com.mysticanvas.sd.graph.Layouts;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.SdModelSpec.TextEncoder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The table from LoRA module names to checkpoint weights: every linear and convolution weight of the UNet and
 * text encoders, under its kohya name built from diffusers' naming ({@code lora_unet_down_blocks_0_attentions_0_proj_in}),
 * under its kohya name built from ldm's naming ({@code lora_unet_input_blocks_1_1_proj_in}) and for the text
 * encoders in Hugging Face's naming ({@code lora_te_text_model_encoder_layers_0_self_attn_q_proj}; SDXL's two as
 * {@code lora_te1_} and {@code lora_te2_}). OpenCLIP encoders (SD 2.x, SDXL's bigG) are addressed by their Hugging
 * Face names too, as kohya's trainer converts them: q, k and v are row blocks of the fused {@code in_proj_weight}.
 * Diffusers/PEFT LoRA keys are normalised to the same form by {@link LoraMerge}.
 */
public final class LoraTargets {
    /**
     * A checkpoint weight a LoRA may change: the rows {@code [rowOffset, rowOffset + shape[0])} of the tensor
     * {@code key}, which has {@code tensorShape} (the whole tensor unless it is a fused projection).
     */
    public record Target(String key, long[] shape, long[] tensorShape, int rowOffset) {
        Target(String key, long[] shape) {
            this(key, shape, shape, 0);
        }
    }

    private final Family family;
    private final Map<String, Target> byKohyaName;

    private LoraTargets(Family family, Map<String, Target> byKohyaName) {
        this.family = family;
        this.byKohyaName = Collections.unmodifiableMap(byKohyaName);
    }

    /** The family of the checkpoint whose weights these are. */
    public Family family() {
        return family;
    }

    public static LoraTargets of(SdModelSpec spec) {
        Map<String, Target> table = new LinkedHashMap<>();
        Layouts.unet(spec.unet()).forEach((name, shape) -> {
            if (name.endsWith(".weight") && shape.length >= 2) {
                String module = name.substring(0, name.length() - ".weight".length());
                Target t = new Target(spec.unetPrefix() + name, shape);
                table.put(kohya("lora_unet_", module), t);
                String diffusers = DiffusersNames.unet(module, spec.unet());
                if (diffusers != null) {
                    table.put(kohya("lora_unet_", diffusers), t);
                }
            }
        });
        List<TextEncoder> encoders = spec.textEncoders();
        for (int i = 0; i < encoders.size(); i++) {
            TextEncoder e = encoders.get(i);
            List<String> prefixes = encoders.size() == 1 ? List.of("lora_te_")
                    : i == 0 ? List.of("lora_te1_", "lora_te_") : List.of("lora_te" + (i + 1) + "_");
            Map<String, Target> modules = e.config().kind() == ClipConfig.Kind.OPENAI ? openAi(e) : openClip(e);
            for (String prefix : prefixes) {
                modules.forEach((module, t) -> table.put(kohya(prefix, module), t));
            }
        }
        return new LoraTargets(spec.family(), table);
    }

    /** HF module name (without {@code .weight}) to target, for an encoder in HF's own naming. */
    private static Map<String, Target> openAi(TextEncoder e) {
        Map<String, Target> modules = new LinkedHashMap<>();
        Layouts.clip(e.config()).forEach((name, shape) -> {
            if (name.endsWith(".weight") && shape.length == 2 && name.contains(".encoder.layers.")) {
                modules.put(name.substring(0, name.length() - ".weight".length()), new Target(e.prefix() + name, shape));
            }
        });
        return modules;
    }

    /** HF module names of an OpenCLIP encoder's layers, mapped onto OpenCLIP's tensors. */
    private static Map<String, Target> openClip(TextEncoder e) {
        Map<String, Target> modules = new LinkedHashMap<>();
        long w = e.config().width();
        long ff = e.config().ffWidth();
        for (int l = 0; l < e.config().layers(); l++) {
            String hf = "text_model.encoder.layers." + l;
            String oc = e.prefix() + "transformer.resblocks." + l;
            long[] fused = {3 * w, w};
            String[] qkv = {"q_proj", "k_proj", "v_proj"};
            for (int k = 0; k < 3; k++) {
                modules.put(hf + ".self_attn." + qkv[k], new Target(oc + ".attn.in_proj_weight", new long[] {w, w}, fused,
                        (int) (k * w)));
            }
            modules.put(hf + ".self_attn.out_proj", new Target(oc + ".attn.out_proj.weight", new long[] {w, w}));
            modules.put(hf + ".mlp.fc1", new Target(oc + ".mlp.c_fc.weight", new long[] {ff, w}));
            modules.put(hf + ".mlp.fc2", new Target(oc + ".mlp.c_proj.weight", new long[] {w, ff}));
        }
        return modules;
    }

    public static String kohya(String prefix, String module) {
        return prefix + module.replace('.', '_');
    }

    public Target find(String kohyaName) {
        return byKohyaName.get(kohyaName);
    }

    public Map<String, Target> all() {
        return byKohyaName;
    }
}
