package com.mysticanvas.sd.lora;

import com.mysticanvas.sd.model.SdModelSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The table from LoRA module names to checkpoint weights: every linear and convolution weight of the UNet and
 * text encoder, under its kohya name built from diffusers' naming ({@code lora_unet_down_blocks_0_attentions_0_proj_in}),
 * under its kohya name built from ldm's naming ({@code lora_unet_input_blocks_1_1_proj_in}) and for the text
 * encoder {@code lora_te_text_model_encoder_layers_0_self_attn_q_proj}. Diffusers/PEFT LoRA keys are normalised
 * to the same form by {@link LoraFile}.
 */
public final class LoraTargets {
    /** A checkpoint weight a LoRA may change. */
    public record Target(String key, long[] shape) {}

    private final Map<String, Target> byKohyaName;

    private LoraTargets(Map<String, Target> byKohyaName) {
        this.byKohyaName = Collections.unmodifiableMap(byKohyaName);
    }

    /**
     * Builds the table from the weight layouts of the two networks (ldm/HF names without prefix, to shapes).
     */
    public static LoraTargets of(SdModelSpec spec, Map<String, long[]> unetLayout, Map<String, long[]> clipLayout) {
        Map<String, Target> table = new LinkedHashMap<>();
        unetLayout.forEach((name, shape) -> {
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
        clipLayout.forEach((name, shape) -> {
            if (name.endsWith(".weight") && shape.length == 2 && name.contains(".encoder.layers.")) {
                String module = name.substring(0, name.length() - ".weight".length());
                table.put(kohya("lora_te_", module), new Target(spec.clipPrefix() + name, shape));
            }
        });
        return new LoraTargets(table);
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
