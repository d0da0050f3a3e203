package com.mysticanvas.sd.model;

import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Recognises what a {@code .safetensors} file is from its tensor names and shapes, and reads the networks'
 * hyper-parameters from the shapes, so a tiny checkpoint yields tiny graphs. Files of another kind (SD 2.x,
 * SDXL, a LoRA, a VAE, diffusers' split format) are refused with a message saying what they are.
 */
public final class CheckpointInspector {
    private static final int SD1_HEADS = 8;

    private CheckpointInspector() {}

    public static SdModelSpec inspect(SafeTensors st) {
        String file = st.fileName();
        Family family = family(st);
        if (family == null) {
            throw new ModelFileException(file, describeUnknown(st));
        }
        if (!family.supported()) {
            throw new ModelFileException(file, "this is a " + family.title() + " checkpoint; MystiCanvas generates with "
                    + "Stable Diffusion 1.x checkpoints only for now (SD 1.4/1.5 and their fine-tunes)");
        }
        UNetConfig unet = unet(st, SdModelSpec.SD1_UNET);
        ClipConfig clip = clip(st, SdModelSpec.SD1_CLIP);
        if (clip.width() != unet.contextWidth()) {
            throw new ModelFileException(file, "text encoder width " + clip.width()
                    + " does not match the UNet's cross-attention width " + unet.contextWidth());
        }
        return new SdModelSpec(family, clip, SdModelSpec.SD1_CLIP, unet, SdModelSpec.SD1_UNET,
                vae(st, SdModelSpec.SD1_VAE), SdModelSpec.SD1_VAE);
    }

    /** The family, or null when the file is not a full SD checkpoint. */
    public static Family family(SafeTensors st) {
        if (anyKeyStarts(st, "conditioner.embedders.")) {
            return Family.SDXL;
        }
        if (!st.has(SdModelSpec.SD1_UNET + "input_blocks.0.0.weight")) {
            return null;
        }
        if (anyKeyStarts(st, "cond_stage_model.model.")) {
            return Family.SD2;
        }
        if (anyKeyStarts(st, SdModelSpec.SD1_CLIP) && anyKeyStarts(st, SdModelSpec.SD1_VAE)) {
            TensorInfo projIn = st.tensors().get(SdModelSpec.SD1_UNET + "middle_block.1.proj_in.weight");
            return projIn != null && projIn.rank() == 2 ? Family.SD2 : Family.SD1;
        }
        return null;
    }

    private static String describeUnknown(SafeTensors st) {
        if (anyKeyStarts(st, "lora_unet_") || anyKeyStarts(st, "lora_te")) {
            return "this is a LoRA, not a checkpoint: put it in models/sd/loras and use it with <lora:name:weight>";
        }
        if (st.has("encoder.conv_in.weight") && st.has("decoder.conv_in.weight")) {
            return "this is a VAE, not a checkpoint: put it in models/sd/vae and choose it as the VAE";
        }
        if (st.has("conv_in.weight") || anyKeyStarts(st, "down_blocks.") || anyKeyStarts(st, "unet.")) {
            return "this is a diffusers-format part (UNet or pipeline folder file), not a single-file checkpoint; "
                    + "use the single-file .safetensors version of the model";
        }
        if (st.has(SdModelSpec.SD1_UNET + "input_blocks.0.0.weight")) {
            return "UNet found but the text encoder (cond_stage_model.transformer.*) or the VAE (first_stage_model.*) is missing";
        }
        return "not a Stable Diffusion checkpoint: none of the expected tensors (model.diffusion_model.*, "
                + "cond_stage_model.*, first_stage_model.*) is present";
    }

    static UNetConfig unet(SafeTensors st, String p) {
        TensorInfo convIn = st.tensor(p + "input_blocks.0.0.weight");
        int channels = (int) convIn.dim(0);
        List<Integer> mult = new ArrayList<>();
        List<Boolean> attention = new ArrayList<>();
        int resBlocks = -1;
        int inLevel = 0;
        for (int block = 1; ; block++) {
            String b = p + "input_blocks." + block;
            if (st.has(b + ".0.op.weight")) {
                resBlocks = resBlocks < 0 ? inLevel : resBlocks;
                inLevel = 0;
                continue;
            }
            TensorInfo conv = st.tensors().get(b + ".0.in_layers.2.weight");
            if (conv == null) {
                break;
            }
            if (inLevel == 0) {
                mult.add((int) (conv.dim(0) / channels));
                attention.add(st.has(b + ".1.proj_in.weight"));
            }
            inLevel++;
        }
        if (mult.isEmpty()) {
            throw new ModelFileException(st.fileName(), "UNet has no ResBlocks under " + p + "input_blocks");
        }
        resBlocks = resBlocks < 0 ? inLevel : resBlocks;
        String mid = p + "middle_block.1.";
        int contextWidth = (int) st.tensor(mid + "transformer_blocks.0.attn2.to_k.weight").dim(1);
        int depth = 0;
        while (st.has(mid + "transformer_blocks." + depth + ".norm1.weight")) {
            depth++;
        }
        boolean[] attn = new boolean[attention.size()];
        for (int i = 0; i < attn.length; i++) {
            attn[i] = attention.get(i);
        }
        return new UNetConfig((int) convIn.dim(1), (int) st.tensor(p + "out.2.weight").dim(0), channels,
                mult.stream().mapToInt(Integer::intValue).toArray(), resBlocks, attn, SD1_HEADS, contextWidth, depth);
    }

    static ClipConfig clip(SafeTensors st, String p) {
        TensorInfo tokens = st.tensor(p + "text_model.embeddings.token_embedding.weight");
        TensorInfo positions = st.tensor(p + "text_model.embeddings.position_embedding.weight");
        int width = (int) tokens.dim(1);
        int layers = 0;
        while (st.has(p + "text_model.encoder.layers." + layers + ".layer_norm1.weight")) {
            layers++;
        }
        int ff = (int) st.tensor(p + "text_model.encoder.layers.0.mlp.fc1.weight").dim(0);
        return new ClipConfig((int) tokens.dim(0), width, layers, ClipConfig.headsFor(width), ff, (int) positions.dim(0));
    }

    /** The VAE under {@code p} ({@code first_stage_model.} in a checkpoint, empty in a VAE file). */
    public static VaeConfig vae(SafeTensors st, String p) {
        TensorInfo convIn = st.tensor(p + "encoder.conv_in.weight");
        int channels = (int) convIn.dim(0);
        List<Integer> mult = new ArrayList<>();
        while (st.has(p + "encoder.down." + mult.size() + ".block.0.conv2.weight")) {
            mult.add((int) (st.tensor(p + "encoder.down." + mult.size() + ".block.0.conv2.weight").dim(0) / channels));
        }
        int resBlocks = 0;
        while (st.has(p + "encoder.down.0.block." + resBlocks + ".conv1.weight")) {
            resBlocks++;
        }
        if (mult.isEmpty() || resBlocks == 0) {
            throw new ModelFileException(st.fileName(), "VAE encoder blocks (" + p + "encoder.down.N.block.M) are missing");
        }
        return new VaeConfig((int) convIn.dim(1), channels, mult.stream().mapToInt(Integer::intValue).toArray(), resBlocks,
                (int) st.tensor(p + "post_quant_conv.weight").dim(0), VaeConfig.SD_SCALE);
    }

    /** A standalone VAE file: its config (keys {@code encoder.*}, {@code decoder.*}, optionally under first_stage_model.). */
    public static String vaeFilePrefix(SafeTensors st) {
        if (st.has("encoder.conv_in.weight")) {
            return "";
        }
        if (st.has(SdModelSpec.SD1_VAE + "encoder.conv_in.weight")) {
            return SdModelSpec.SD1_VAE;
        }
        throw new ModelFileException(st.fileName(), "not a VAE: encoder.conv_in.weight is missing");
    }

    private static boolean anyKeyStarts(SafeTensors st, String prefix) {
        for (String k : st.tensors().keySet()) {
            if (k.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
