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
            assertThat(spec.clip()).isEqualTo(SdSynthModels.TINY_CLIP);
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
    void otherFamiliesAndFileKindsAreNamedAndRefused() throws Exception {
        assertRefused(file("xl", "conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
                "model.diffusion_model.input_blocks.0.0.weight"), "Stable Diffusion XL");
        assertRefused(file("sd2", "cond_stage_model.model.token_embedding.weight", "first_stage_model.encoder.conv_in.weight",
                "model.diffusion_model.input_blocks.0.0.weight"), "Stable Diffusion 2.x");
        assertRefused(file("lora", "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight"), "this is a LoRA");
        assertRefused(file("vae", "encoder.conv_in.weight", "decoder.conv_in.weight"), "this is a VAE");
        assertRefused(file("diffusers", "down_blocks.0.resnets.0.conv1.weight", "conv_in.weight"), "diffusers");
        assertRefused(file("other", "foo.weight"), "not a Stable Diffusion checkpoint");
        assertRefused(file("nounet", "model.diffusion_model.input_blocks.0.0.weight"), "text encoder");
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
