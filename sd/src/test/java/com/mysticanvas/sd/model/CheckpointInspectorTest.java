package com.mysticanvas.sd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.sd.graph.Layouts;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.synth.SdSynthModels;
import com.mysticanvas.sd.testing.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointInspectorTest {
    @TempDir
    Path dir;

    @Test
    void tinyCheckpointYieldsItsOwnHyperParameters() throws Exception {
        try (SafeTensors st = SafeTensors.open(TinyModels.checkpoint())) {
            SdModelSpec spec = CheckpointInspector.inspect(st);
            assertThat(spec.family()).isEqualTo(Family.SD1);
            assertThat(spec.unet()).isEqualTo(SdSynthModels.TINY_UNET);
            assertThat(spec.textEncoders()).extracting(SdModelSpec.TextEncoder::config).containsExactly(SdSynthModels.TINY_CLIP);
            assertThat(spec.vae()).isEqualTo(SdSynthModels.TINY_VAE);
        }
    }

    @Test
    void sd15LayoutHasTheRealCheckpointsTensorCounts() {
        // v1-5-pruned-emaonly: 686 UNet, 196 text-encoder (+ position_ids) and 248 VAE tensors
        assertThat(Layouts.unet(UNetConfig.SD15)).hasSize(686);
        assertThat(Layouts.clip(ClipConfig.SD15)).hasSize(196);
        assertThat(Layouts.vae(VaeConfig.SD15)).hasSize(248);
        assertThat(Layouts.unet(UNetConfig.SD15).get("input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight"))
                .containsExactly(640, 768);
        assertThat(Layouts.unet(UNetConfig.SD15).get("output_blocks.2.1.conv.weight")).containsExactly(1280, 1280, 3, 3);
        assertThat(Layouts.unet(UNetConfig.SD15).get("output_blocks.5.2.conv.weight")).containsExactly(1280, 1280, 3, 3);
    }

    @Test
    void otherArchitecturesAndFileKindsAreNamedAndRefused() throws Exception {
        String unet = "model.diffusion_model.";
        assertRefused(file("sd3", unet + "joint_blocks.0.x_block.attn.qkv.weight", "first_stage_model.decoder.conv_in.weight"),
                "this is a Stable Diffusion 3 (MMDiT) model");
        assertRefused(file("flux", "double_blocks.0.img_attn.qkv.weight", "single_blocks.0.linear1.weight",
                "guidance_in.in_layer.weight"), "this is a Flux (dev) model");
        assertRefused(file("zimage", unet + "noise_refiner.0.attention.qkv.weight", unet + "context_refiner.0.attention.qkv.weight"),
                "this is a Z-Image");
        assertRefused(file("qwen", "model.diffusion_model.img_in.weight", "model.diffusion_model.txt_in.weight",
                "model.diffusion_model.transformer_blocks.0.attn.to_q.weight"), "this is a Qwen-Image model");
        assertRefused(file("aura", "double_layers.0.attn.w2q.weight", "single_layers.0.attn.w1q.weight"), "AuraFlow");
        assertRefused(file("cascade", "down_blocks.0.0.channelwise.0.weight", "effnet_mapper.0.weight"), "Stable Cascade");
        assertRefused(file("xl", "conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
                "model.diffusion_model.input_blocks.0.0.weight"), "the VAE (first_stage_model.*) is missing");
        assertRefused(file("lora", "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight"), "this is a LoRA");
        assertRefused(file("vae", "encoder.conv_in.weight", "decoder.conv_in.weight"), "this is a VAE");
        assertRefused(file("diffusers", "down_blocks.0.resnets.0.conv1.weight", "conv_in.weight"), "diffusers");
        assertRefused(file("other", "foo.weight"), "not a Stable Diffusion checkpoint");
        assertRefused(file("nounet", "model.diffusion_model.input_blocks.0.0.weight"), "text encoder");
    }

    @Test
    void eachFamilysTinyCheckpointIsRecognisedWithItsOwnShapes() throws Exception {
        record Case(String stem, SdModelSpec written) {}
        for (Case c : List.of(new Case("tiny-sd", SdSynthModels.TINY), new Case("tiny-sd2", SdSynthModels.TINY_SD2),
                new Case("tiny-sdxl", SdSynthModels.TINY_SDXL), new Case("tiny-sdxl-refiner", SdSynthModels.TINY_SDXL_REFINER))) {
            try (SafeTensors st = SafeTensors.open(TinyModels.checkpoint(c.stem()))) {
                SdModelSpec spec = CheckpointInspector.inspect(st);
                assertThat(spec.family()).as(c.stem()).isEqualTo(c.written().family());
                assertThat(spec.textEncoders()).as(c.stem()).isEqualTo(c.written().textEncoders());
                assertThat(spec.unet()).as(c.stem()).isEqualTo(c.written().unet());
                assertThat(spec.vae()).as(c.stem()).isEqualTo(c.written().vae());
                assertThat(spec.prediction()).as(c.stem()).isNull();
                assertThat(spec.ztsnr()).isFalse();
            }
        }
        try (SafeTensors st = SafeTensors.open(TinyModels.checkpoint("tiny-sdxl"))) {
            assertThat(CheckpointInspector.inspect(st).vae().scale()).isEqualTo(0.13025f);
        }
    }

    @Test
    void theFullSizeLayoutsHaveTheRealCheckpointsShapes() {
        // shapes as in sd_xl_base_1.0, sd_xl_refiner_1.0 and v2-1_768-ema-pruned
        assertThat(Layouts.unet(UNetConfig.SDXL).get("label_emb.0.0.weight")).containsExactly(1280, 2816);
        assertThat(Layouts.unet(UNetConfig.SDXL).get("input_blocks.7.1.transformer_blocks.9.attn2.to_k.weight"))
                .containsExactly(1280, 2048);
        assertThat(Layouts.unet(UNetConfig.SDXL).get("input_blocks.4.1.proj_in.weight")).containsExactly(640, 640);
        assertThat(Layouts.unet(UNetConfig.SDXL)).doesNotContainKey("input_blocks.1.1.proj_in.weight");
        assertThat(Layouts.unet(UNetConfig.SDXL_REFINER).get("label_emb.0.0.weight")).containsExactly(1536, 2560);
        assertThat(Layouts.unet(UNetConfig.SD21).get("input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"))
                .containsExactly(320, 1024);
        assertThat(Layouts.clip(ClipConfig.VIT_BIGG).get("transformer.resblocks.31.attn.in_proj_weight"))
                .containsExactly(3840, 1280);
        assertThat(Layouts.clip(ClipConfig.VIT_BIGG).get("text_projection")).containsExactly(1280, 1280);
        assertThat(Layouts.clip(ClipConfig.VIT_H).get("positional_embedding")).containsExactly(77, 1024);
    }

    @Test
    void markersAndMetadataSayWhatTheUnetPredicts(@TempDir Path tmp) throws Exception {
        Path vpred = tmp.resolve("v.safetensors");
        SdSynthModels.writeCheckpoint(SdSynthModels.TINY_SDXL, DType.F16, 1, vpred, "v_pred", "ztsnr");
        try (SafeTensors st = SafeTensors.open(vpred)) {
            SdModelSpec spec = CheckpointInspector.inspect(st);
            assertThat(spec.prediction()).isEqualTo(Prediction.V);
            assertThat(spec.ztsnr()).isTrue();
        }
        assertThat(CheckpointInspector.familyNamed("stable-diffusion-xl-v1-base/vae")).isEqualTo(Family.SDXL);
        assertThat(CheckpointInspector.familyNamed("stable-diffusion-xl-v1-refiner")).isEqualTo(Family.SDXL_REFINER);
        assertThat(CheckpointInspector.familyNamed("stable-diffusion-v2-768-v")).isEqualTo(Family.SD2);
        assertThat(CheckpointInspector.familyNamed("stable-diffusion-v1/vae")).isEqualTo(Family.SD1);
        assertThat(CheckpointInspector.familyNamed("flux-1-dev")).isNull();
    }

    private Path file(String name, String... keys) throws Exception {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        for (String k : keys) {
            entries.add(SafeTensorsWriter.floats(k, DType.F16, new long[] {2}, new float[2]));
        }
        Path f = dir.resolve(name + ".safetensors");
        SafeTensorsWriter.write(f, entries, null);
        return f;
    }

    private static void assertRefused(Path f, String message) throws Exception {
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThatThrownBy(() -> CheckpointInspector.inspect(st)).isInstanceOf(ModelFileException.class)
                    .hasMessageStartingWith(f.getFileName().toString()).hasMessageContaining(message);
        }
    }
}
