package com.mysticanvas.sd.model;

import com.mysticanvas.sd.model.SdModelSpec.TextEncoder;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recognises what a {@code .safetensors} file is from its tensor names and shapes (no config files), and reads the
 * networks' hyper-parameters from the shapes, so a tiny checkpoint yields tiny graphs. SD 1.x, SD 2.x, SDXL base and
 * refiner (each also as inpainting variants) are read; other kinds (a LoRA, a VAE, diffusers' split format, SD3,
 * Flux and other diffusion transformers) are refused with a message saying what they are.
 */
public final class CheckpointInspector {
    private static final int SD1_HEADS = 8;
    private static final int HEAD_DIM = 64;
    /** Width of each number's Fourier embedding in SDXL's vector conditioning. */
    public static final int SIZE_EMBEDDING = 256;

    private CheckpointInspector() {}

    /** Older SD 1.x text-encoder key forms and the one we read, as A1111's {@code checkpoint_dict_replacements_sd1}. */
    private static final Map<String, String> SD1_RENAMES = Map.of(
            "cond_stage_model.transformer.embeddings.", "cond_stage_model.transformer.text_model.embeddings.",
            "cond_stage_model.transformer.encoder.", "cond_stage_model.transformer.text_model.encoder.",
            "cond_stage_model.transformer.final_layer_norm.", "cond_stage_model.transformer.text_model.final_layer_norm.");

    /**
     * The checkpoint under the key names we read: SD 1.x checkpoints saved with an older transformers keep their text
     * encoder without {@code text_model.} ({@code cond_stage_model.transformer.encoder.layers…}); A1111 renames
     * those on load, and so do we. Other files come back as they are.
     */
    public static SafeTensors withCurrentNames(SafeTensors st) {
        boolean old = st.tensors().keySet().stream().anyMatch(k -> SD1_RENAMES.keySet().stream().anyMatch(k::startsWith));
        if (!old) {
            return st;
        }
        return st.renamed(key -> {
            for (Map.Entry<String, String> r : SD1_RENAMES.entrySet()) {
                if (key.startsWith(r.getKey())) {
                    return r.getValue() + key.substring(r.getKey().length());
                }
            }
            return key;
        });
    }

    public static SdModelSpec inspect(SafeTensors st) {
        String file = st.fileName();
        Family family = family(st);
        if (family == null) {
            throw new ModelFileException(file, describeUnknown(st));
        }
        List<TextEncoder> encoders = switch (family) {
            case SD1 -> List.of(encoder(st, SdModelSpec.SD1_CLIP, ClipConfig.Kind.OPENAI));
            case SD2 -> List.of(encoder(st, SdModelSpec.SD2_CLIP, ClipConfig.Kind.OPEN_CLIP));
            case SDXL -> List.of(encoder(st, SdModelSpec.SDXL_CLIP_L, ClipConfig.Kind.OPENAI),
                    encoder(st, SdModelSpec.SDXL_CLIP_G, ClipConfig.Kind.OPEN_CLIP));
            case SDXL_REFINER -> List.of(encoder(st, SdModelSpec.REFINER_CLIP_G, ClipConfig.Kind.OPEN_CLIP));
        };
        if (family.xl() && !encoders.getLast().config().projection()) {
            throw new ModelFileException(file, "the bigG text encoder has no text_projection, which SDXL's pooled "
                    + "embedding needs (" + encoders.getLast().prefix() + "text_projection)");
        }
        UNetConfig unet = unet(st, SdModelSpec.SD1_UNET, family);
        int context = encoders.stream().mapToInt(e -> e.config().width()).sum();
        if (context != unet.contextWidth()) {
            throw new ModelFileException(file, "text encoder width " + context
                    + " does not match the UNet's cross-attention width " + unet.contextWidth());
        }
        int adm = family.xl() ? encoders.getLast().config().width() + SIZE_EMBEDDING * sizeNumbers(family) : 0;
        if (unet.admChannels() != adm) {
            throw new ModelFileException(file, "the UNet's vector input (label_emb) takes " + unet.admChannels()
                    + " values; a " + family.title() + " UNet takes " + adm);
        }
        VaeConfig vae = vae(st, SdModelSpec.SD1_VAE, family);
        Prediction prediction = st.has("v_pred") ? Prediction.V : prediction(st.metadata().get("modelspec.prediction_type"));
        return new SdModelSpec(family, encoders, unet, SdModelSpec.SD1_UNET, vae, SdModelSpec.SD1_VAE, prediction,
                st.has("ztsnr"));
    }

    /** The numbers SDXL embeds beside the pooled text: sizes and crop (6), or for the refiner sizes, crop, score (5). */
    public static int sizeNumbers(Family family) {
        return family == Family.SDXL_REFINER ? 5 : 6;
    }

    /** Stability's {@code modelspec.prediction_type} metadata ({@code epsilon}, {@code v}), or null. */
    private static Prediction prediction(String modelspec) {
        if (modelspec == null) {
            return null;
        }
        return switch (modelspec.toLowerCase(Locale.ROOT)) {
            case "v", "v_prediction", "v-prediction" -> Prediction.V;
            case "epsilon", "eps" -> Prediction.EPS;
            default -> null;
        };
    }

    /** The family, or null when the file is not a full SD 1.x/2.x/XL checkpoint. */
    public static Family family(SafeTensors st) {
        if (!st.has(SdModelSpec.SD1_UNET + "input_blocks.0.0.weight") || !anyKeyStarts(st, SdModelSpec.SD1_VAE)) {
            return null;
        }
        if (anyKeyStarts(st, SdModelSpec.SDXL_CLIP_G) && anyKeyStarts(st, SdModelSpec.SDXL_CLIP_L)) {
            return Family.SDXL;
        }
        if (anyKeyStarts(st, SdModelSpec.REFINER_CLIP_G)) {
            return Family.SDXL_REFINER;
        }
        if (anyKeyStarts(st, SdModelSpec.SD2_CLIP)) {
            return Family.SD2;
        }
        if (anyKeyStarts(st, SdModelSpec.SD1_CLIP)) {
            return Family.SD1;
        }
        return null;
    }

    private static String describeUnknown(SafeTensors st) {
        String other = otherArchitecture(st);
        if (other != null) {
            return "this is a " + other + " model; MystiCanvas generates with Stable Diffusion 1.x, 2.x and SDXL "
                    + "checkpoints only";
        }
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
        if (anyKeyStarts(st, "conditioner.embedders.") && !st.has(SdModelSpec.SD1_UNET + "input_blocks.0.0.weight")) {
            return "SDXL text encoders found but the UNet (model.diffusion_model.*) is missing";
        }
        if (st.has(SdModelSpec.SD1_UNET + "input_blocks.0.0.weight")) {
            return "UNet found but the text encoder (cond_stage_model.* or conditioner.embedders.*) or the VAE "
                    + "(first_stage_model.*) is missing";
        }
        return "not a Stable Diffusion checkpoint: none of the expected tensors (model.diffusion_model.*, "
                + "cond_stage_model.* or conditioner.embedders.*, first_stage_model.*) is present";
    }

    /**
     * Names the diffusion transformers and other families by the blocks only they have (as ComfyUI's and
     * stable-diffusion.cpp's detection do), with or without the {@code model.diffusion_model.} prefix; null for none.
     */
    static String otherArchitecture(SafeTensors st) {
        for (String p : new String[] {"", SdModelSpec.SD1_UNET, "model."}) {
            if (anyKeyStarts(st, p + "joint_blocks.")) {
                return "Stable Diffusion 3 (MMDiT)";
            }
            if (anyKeyStarts(st, p + "double_blocks.") && anyKeyStarts(st, p + "single_blocks.")) {
                return st.has(p + "guidance_in.in_layer.weight") ? "Flux (dev)" : "Flux";
            }
            if (anyKeyStarts(st, p + "noise_refiner.") && anyKeyStarts(st, p + "context_refiner.")) {
                return "Z-Image (or Lumina 2)";
            }
            if (st.has(p + "img_in.weight") && st.has(p + "txt_in.weight") && anyKeyStarts(st, p + "transformer_blocks.")) {
                return "Qwen-Image";
            }
            if (anyKeyStarts(st, p + "double_layers.") && anyKeyStarts(st, p + "single_layers.")) {
                return "AuraFlow";
            }
            if (anyKeyStarts(st, p + "blocks.") && st.has(p + "x_embedder.proj.weight")) {
                return "diffusion transformer (PixArt, Hunyuan-DiT or similar)";
            }
            if (anyKeyStarts(st, p + "down_blocks.") && anyKeyStarts(st, p + "effnet_mapper.")) {
                return "Stable Cascade";
            }
        }
        if (anyKeyStarts(st, "text_encoders.t5xxl.") || anyKeyStarts(st, "text_encoders.clip_g.")) {
            return "Stable Diffusion 3 (MMDiT)";
        }
        return null;
    }

    static UNetConfig unet(SafeTensors st, String p, Family family) {
        TensorInfo convIn = st.tensor(p + "input_blocks.0.0.weight");
        int channels = (int) convIn.dim(0);
        List<Integer> mult = new ArrayList<>();
        List<Integer> depth = new ArrayList<>();
        List<Integer> firstBlock = new ArrayList<>();
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
                depth.add(transformerDepth(st, b + ".1."));
                firstBlock.add(block);
            }
            inLevel++;
        }
        if (mult.isEmpty()) {
            throw new ModelFileException(st.fileName(), "UNet has no ResBlocks under " + p + "input_blocks");
        }
        resBlocks = resBlocks < 0 ? inLevel : resBlocks;
        int levels = mult.size();
        for (int level = 0; level < levels; level++) { // the way up must match the way down, block by block
            for (int j = 0; j <= resBlocks; j++) {
                int out = (levels - 1 - level) * (resBlocks + 1) + j;
                int up = transformerDepth(st, p + "output_blocks." + out + ".1.");
                if (up != depth.get(level)) {
                    throw new ModelFileException(st.fileName(), "output_blocks." + out + " has " + up
                            + " transformer blocks where input_blocks." + firstBlock.get(level) + " has " + depth.get(level)
                            + ": UNets whose depth varies inside a level (distilled SDXL such as SSD-1B) are not supported");
                }
            }
        }
        String mid = p + "middle_block.1.";
        int contextWidth = (int) st.tensor(mid + "transformer_blocks.0.attn2.to_k.weight").dim(1);
        int midDepth = transformerDepth(st, mid);
        boolean linear = st.tensor(mid + "proj_in.weight").rank() == 2;
        TensorInfo label = st.tensors().get(p + "label_emb.0.0.weight");
        boolean sd1 = family == Family.SD1;
        return new UNetConfig((int) convIn.dim(1), (int) st.tensor(p + "out.2.weight").dim(0), channels,
                mult.stream().mapToInt(Integer::intValue).toArray(), resBlocks,
                depth.stream().mapToInt(Integer::intValue).toArray(), midDepth, sd1 ? SD1_HEADS : 0, sd1 ? 0 : HEAD_DIM,
                contextWidth, linear, label == null ? 0 : (int) label.dim(1));
    }

    /** Transformer blocks of the SpatialTransformer under {@code p} (ending in a dot), 0 when there is none. */
    private static int transformerDepth(SafeTensors st, String p) {
        int depth = 0;
        while (st.has(p + "transformer_blocks." + depth + ".norm1.weight")) {
            depth++;
        }
        return depth;
    }

    static TextEncoder encoder(SafeTensors st, String p, ClipConfig.Kind kind) {
        return new TextEncoder(clipConfig(st, p, kind), p);
    }

    /** The encoder's shape from its weights, under OpenAI/Hugging Face names or OpenCLIP's. */
    private static ClipConfig clipConfig(SafeTensors st, String p, ClipConfig.Kind kind) {
        boolean openAi = kind == ClipConfig.Kind.OPENAI;
        TensorInfo tokens = st.tensor(p + (openAi ? "text_model.embeddings.token_embedding.weight" : "token_embedding.weight"));
        TensorInfo positions = st.tensor(p + (openAi ? "text_model.embeddings.position_embedding.weight" : "positional_embedding"));
        String layer = p + (openAi ? "text_model.encoder.layers." : "transformer.resblocks.");
        String firstNorm = openAi ? ".layer_norm1.weight" : ".ln_1.weight";
        int width = (int) tokens.dim(1);
        int layers = 0;
        while (st.has(layer + layers + firstNorm)) {
            layers++;
        }
        int ff = (int) st.tensor(layer + "0" + (openAi ? ".mlp.fc1.weight" : ".mlp.c_fc.weight")).dim(0);
        return new ClipConfig(kind, (int) tokens.dim(0), width, layers, ClipConfig.headsFor(width), ff,
                (int) positions.dim(0), !openAi && st.has(p + "text_projection"));
    }

    /** The VAE under {@code p} ({@code first_stage_model.} in a checkpoint, empty in a VAE file), scaled for {@code family}. */
    public static VaeConfig vae(SafeTensors st, String p, Family family) {
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
                (int) st.tensor(p + "post_quant_conv.weight").dim(0), family.vaeScale());
    }

    /**
     * Refuses a separate VAE file that cannot serve {@code spec}'s checkpoint: a different latent shape (SD3's and
     * Flux's 16-channel VAEs) or a file whose metadata names another family. SD 1.x/2.x and SDXL VAEs share one
     * architecture and differ only in their weights, so without such metadata a 4-channel VAE is taken as the
     * checkpoint's family and scaled as it (0.18215 or 0.13025).
     */
    public static void checkVaeFits(SafeTensors vaeFile, VaeConfig vae, SdModelSpec spec) {
        String file = vaeFile.fileName();
        if (vae.latentChannels() != spec.vae().latentChannels() || vae.factor() != spec.vae().factor()) {
            throw new ModelFileException(file, "this VAE has " + vae.latentChannels() + " latent channels and factor "
                    + vae.factor() + "; the " + spec.family().title() + " checkpoint needs "
                    + spec.vae().latentChannels() + " and " + spec.vae().factor());
        }
        Family named = familyNamed(vaeFile.metadata().get("modelspec.architecture"));
        if (named != null && named.xl() != spec.family().xl()) {
            throw new ModelFileException(file, "this is a " + named.title() + " VAE (modelspec.architecture "
                    + vaeFile.metadata().get("modelspec.architecture") + "); the checkpoint is " + spec.family().title());
        }
    }

    /** The family a modelspec architecture string names ({@code stable-diffusion-xl-v1-base/vae}), or null. */
    static Family familyNamed(String architecture) {
        if (architecture == null) {
            return null;
        }
        String a = architecture.toLowerCase(Locale.ROOT);
        if (a.contains("-xl-") && a.contains("refiner")) {
            return Family.SDXL_REFINER;
        }
        if (a.contains("-xl-")) {
            return Family.SDXL;
        }
        if (a.startsWith("stable-diffusion-v2")) {
            return Family.SD2;
        }
        if (a.startsWith("stable-diffusion-v1")) {
            return Family.SD1;
        }
        return null;
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
