package com.mysticanvas.sd.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.sd.graph.Layouts;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraMergeTest {
    private static final LoraTargets TARGETS = LoraTargets.of(SdSynthModels.TINY);
    private static final String UNET = "model.diffusion_model.";

    @TempDir
    Path dir;

    @Test
    void namesMapFromKohyaDiffusersAndLdmToTheCheckpointKey() {
        assertThat(TARGETS.find("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q").key())
                .isEqualTo(UNET + "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight");
        assertThat(TARGETS.find("lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q").key())
                .isEqualTo(UNET + "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight");
        assertThat(TARGETS.find("lora_unet_down_blocks_0_downsamplers_0_conv").key()).isEqualTo(UNET + "input_blocks.2.0.op.weight");
        assertThat(TARGETS.find("lora_unet_mid_block_resnets_1_conv2").key()).isEqualTo(UNET + "middle_block.2.out_layers.3.weight");
        assertThat(TARGETS.find("lora_unet_up_blocks_0_upsamplers_0_conv").key()).isEqualTo(UNET + "output_blocks.1.1.conv.weight");
        assertThat(TARGETS.find("lora_unet_up_blocks_1_attentions_1_proj_out").key()).isEqualTo(UNET + "output_blocks.3.1.proj_out.weight");
        assertThat(TARGETS.find("lora_unet_up_blocks_1_resnets_0_conv_shortcut").key())
                .isEqualTo(UNET + "output_blocks.2.0.skip_connection.weight");
        assertThat(TARGETS.find("lora_te_text_model_encoder_layers_1_self_attn_out_proj").key())
                .isEqualTo("cond_stage_model.transformer.text_model.encoder.layers.1.self_attn.out_proj.weight");
        assertThat(LoraMerge.kohyaName("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out"))
                .isEqualTo("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0");
    }

    @Test
    void mergeIsWeightTimesAlphaOverRankTimesUpDownForLinearAndConvAndSumsLoras() throws Exception {
        SplittableRandom random = new SplittableRandom(1);
        float[] downLinear = random(random, 2 * 32);
        float[] upLinear = random(random, 32 * 2);
        float[] downConv = random(random, 3 * 32 * 9);
        float[] upConv = random(random, 32 * 3);
        float[] downPeft = random(random, 1 * 64);
        float[] upPeft = random(random, 32 * 1);
        Path a = lora("a", List.of(
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight", DType.F32, new long[] {2, 32}, downLinear),
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight", DType.F32, new long[] {32, 2}, upLinear),
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.alpha", DType.F32, new long[0], new float[] {1}),
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight", DType.F32, new long[] {3, 32, 3, 3}, downConv),
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight", DType.F32, new long[] {32, 3, 1, 1}, upConv),
                SafeTensorsWriter.floats("lora_unet_not_a_layer.lora_down.weight", DType.F32, new long[] {1, 1}, new float[1]),
                SafeTensorsWriter.floats("lora_unet_not_a_layer.hada_w1_a", DType.F32, new long[] {1, 1}, new float[1])));
        Path b = lora("b", List.of(
                SafeTensorsWriter.floats("unet.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight", DType.F32, new long[] {1, 64}, downPeft),
                SafeTensorsWriter.floats("unet.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_B.weight", DType.F32, new long[] {32, 1}, upPeft),
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight", DType.F32, new long[] {2, 32}, downLinear),
                SafeTensorsWriter.floats("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight", DType.F32, new long[] {32, 2}, upLinear)));
        try (SafeTensors la = SafeTensors.open(a); SafeTensors lb = SafeTensors.open(b)) {
            LoraMerge.Result r = LoraMerge.deltas(TARGETS, List.of(new LoraMerge.Applied(la, 0.8f), new LoraMerge.Applied(lb, -2f)));
            assertThat(r.modules()).isEqualTo(4);
            // a: 0.8 * alpha 1 / rank 2; b (no alpha: alpha = rank): -2 * 1
            float[] q = r.deltas().get(UNET + "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight");
            float[] conv = r.deltas().get(UNET + "input_blocks.1.0.in_layers.2.weight");
            float[] k = r.deltas().get(UNET + "output_blocks.2.1.transformer_blocks.0.attn2.to_k.weight");
            for (int o = 0; o < 32; o++) {
                for (int i = 0; i < 32; i++) {
                    double expected = (0.8 * 0.5 - 2) * (upLinear[o * 2] * downLinear[i] + upLinear[o * 2 + 1] * downLinear[32 + i]);
                    assertThat((double) q[o * 32 + i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
                }
                for (int i = 0; i < 32 * 9; i++) {
                    double expected = 0.8 * (upConv[o * 3] * downConv[i] + upConv[o * 3 + 1] * downConv[288 + i]
                            + upConv[o * 3 + 2] * downConv[576 + i]);
                    assertThat((double) conv[o * 288 + i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
                }
                for (int i = 0; i < 64; i++) {
                    assertThat((double) k[o * 64 + i]).isCloseTo(-2.0 * upPeft[o] * downPeft[i], org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            assertThat(r.unknown()).containsOnlyKeys("a.safetensors");
            assertThat(r.unknown().get("a.safetensors"))
                    .containsExactly("lora_unet_not_a_layer.hada_w1_a", "lora_unet_not_a_layer.lora_down.weight");
        }
    }

    @Test
    void lycorisUpdatesAgreeWithA1111sRulesRunOnTorch() throws Exception {
        // LoCon's Tucker form, LoHa (plain, conv, Tucker) and LoKr (whole, factored, Tucker), computed by A1111's
        // network_*.py and lyco_helpers.py on torch 1.13 (a1111/lycoris-updates.jsonl).
        List<String> lines;
        try (var in = getClass().getResourceAsStream("/a1111/lycoris-updates.jsonl")) {
            lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
        assertThat(lines).hasSize(7);
        for (String line : lines) {
            var c = com.mysticanvas.core.Json.parse(line);
            java.util.Map<String, LoraMerge.Tensor> parts = new java.util.LinkedHashMap<>();
            c.path("parts").properties().forEach(e -> {
                float[] v = new float[e.getValue().path("values").size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) e.getValue().path("values").get(i).asDouble();
                }
                parts.put(e.getKey(), new LoraMerge.Tensor(longs(e.getValue().path("shape")), v));
            });
            float[] update = LoraMerge.update(parts, longs(c.path("target")));
            assertThat(update).as(c.path("name").asText()).isNotNull();
            float scale = LoraMerge.scale(parts, c.path("alpha").isNull() ? null : (float) c.path("alpha").asDouble());
            var expected = c.path("expected");
            assertThat(update).hasSize(expected.size());
            for (int i = 0; i < update.length; i++) {
                double want = expected.get(i).asDouble();
                assertThat((double) update[i] * scale).as("%s [%d]", c.path("name").asText(), i)
                        .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(want))));
            }
        }
    }

    @Test
    void lohaMergesIntoTheUnetAndTextEncoderAndUnetHaveTheirOwnWeights() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        String conv = "lora_unet_down_blocks_0_resnets_0_conv1";
        String te = "lora_te_text_model_encoder_layers_1_self_attn_out_proj";
        float[] w1a = random(random, 32 * 2);
        float[] w1b = random(random, 2 * 32 * 9);
        float[] w2a = random(random, 32 * 2);
        float[] w2b = random(random, 2 * 32 * 9);
        float[] down = random(random, 64);
        float[] up = random(random, 64);
        Path file = lora("loha", List.of(
                SafeTensorsWriter.floats(conv + ".hada_w1_a", DType.F32, new long[] {32, 2}, w1a),
                SafeTensorsWriter.floats(conv + ".hada_w1_b", DType.F32, new long[] {2, 32, 3, 3}, w1b),
                SafeTensorsWriter.floats(conv + ".hada_w2_a", DType.F32, new long[] {32, 2}, w2a),
                SafeTensorsWriter.floats(conv + ".hada_w2_b", DType.F32, new long[] {2, 32, 3, 3}, w2b),
                SafeTensorsWriter.floats(conv + ".alpha", DType.F32, new long[0], new float[] {1}),
                SafeTensorsWriter.floats(te + ".lora_down.weight", DType.F32, new long[] {1, 64}, down),
                SafeTensorsWriter.floats(te + ".lora_up.weight", DType.F32, new long[] {64, 1}, up)));
        try (SafeTensors f = SafeTensors.open(file)) {
            LoraMerge.Result r = LoraMerge.deltas(TARGETS, List.of(new LoraMerge.Applied(f, 0.5f, 2f)));
            assertThat(r.modules()).isEqualTo(2);
            float[] unet = r.deltas().get(UNET + "input_blocks.1.0.in_layers.2.weight");
            float[] text = r.deltas().get("cond_stage_model.transformer.text_model.encoder.layers.1.self_attn.out_proj.weight");
            for (int o = 0; o < 32; o++) {
                for (int i = 0; i < 32 * 9; i++) {
                    double first = w1a[o * 2] * w1b[i] + w1a[o * 2 + 1] * w1b[288 + i];
                    double second = w2a[o * 2] * w2b[i] + w2a[o * 2 + 1] * w2b[288 + i];
                    // UNet weight 2, alpha 1 over w1b's rank 2
                    assertThat((double) unet[o * 288 + i]).isCloseTo(2 * 0.5 * first * second, org.assertj.core.data.Offset.offset(1e-4));
                }
            }
            for (int o = 0; o < 64; o++) {
                for (int i = 0; i < 64; i++) {
                    assertThat((double) text[o * 64 + i]).isCloseTo(0.5 * up[o] * down[i], org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void doraIsRefusedRatherThanMergedAsAPlainLora() throws Exception {
        String q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
        Path file = lora("dora", List.of(
                SafeTensorsWriter.floats(q + ".lora_down.weight", DType.F32, new long[] {1, 32}, new float[32]),
                SafeTensorsWriter.floats(q + ".lora_up.weight", DType.F32, new long[] {32, 1}, new float[32]),
                SafeTensorsWriter.floats(q + ".dora_scale", DType.F32, new long[] {32, 1}, new float[32])));
        try (SafeTensors f = SafeTensors.open(file)) {
            assertThatThrownBy(() -> LoraMerge.deltas(TARGETS, List.of(new LoraMerge.Applied(f, 1f))))
                    .isInstanceOf(ModelFileException.class).hasMessageStartingWith("dora.safetensors")
                    .hasMessageContaining("DoRA");
        }
    }

    private static long[] longs(com.fasterxml.jackson.databind.JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    @Test
    void loraForAnotherArchitectureIsRefused() throws Exception {
        Path wrongShape = lora("sd2", List.of(
                SafeTensorsWriter.floats("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", DType.F32, new long[] {1, 1024}, new float[1024]),
                SafeTensorsWriter.floats("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", DType.F32, new long[] {1024, 1}, new float[1024])));
        Path xl = lora("xl", List.of(
                SafeTensorsWriter.floats("lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", DType.F32, new long[] {1, 2}, new float[2])));
        Path nothing = lora("nothing", List.of(
                SafeTensorsWriter.floats("lora_unet_input_blocks_99_1_proj_in.lora_down.weight", DType.F32, new long[] {1, 2, 1, 1}, new float[2])));
        for (Path p : List.of(wrongShape, xl, nothing)) {
            try (SafeTensors f = SafeTensors.open(p)) {
                assertThatThrownBy(() -> LoraMerge.deltas(TARGETS, List.of(new LoraMerge.Applied(f, 1f))))
                        .isInstanceOf(ModelFileException.class).hasMessageStartingWith(p.getFileName().toString())
                        .hasMessageMatching("(?s).*(another model architecture|this is a Stable Diffusion XL LoRA; the loaded checkpoint is Stable Diffusion 1.x).*");
            }
        }
    }

    @Test
    void sdxlNamesReachBothEncodersAndTheBigGProjectionsAreRowBlocksOfInProj() throws Exception {
        LoraTargets xl = LoraTargets.of(SdSynthModels.TINY_SDXL);
        String bigG = "conditioner.embedders.1.model.transformer.resblocks.1.";
        assertThat(xl.find("lora_te1_text_model_encoder_layers_0_self_attn_q_proj").key())
                .isEqualTo("conditioner.embedders.0.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight");
        assertThat(xl.find("lora_te2_text_model_encoder_layers_1_mlp_fc1").key()).isEqualTo(bigG + "mlp.c_fc.weight");
        assertThat(xl.find("lora_te2_text_model_encoder_layers_1_self_attn_out_proj").key()).isEqualTo(bigG + "attn.out_proj.weight");
        LoraTargets full = LoraTargets.of(SdSynthModels.SDXL); // names only: no weights are read
        assertThat(full.find("lora_unet_input_blocks_7_1_transformer_blocks_9_attn2_to_k").key())
                .isEqualTo(UNET + "input_blocks.7.1.transformer_blocks.9.attn2.to_k.weight");
        assertThat(full.find("lora_unet_down_blocks_2_attentions_1_transformer_blocks_9_attn2_to_k").key())
                .isEqualTo(UNET + "input_blocks.8.1.transformer_blocks.9.attn2.to_k.weight");
        assertThat(full.find("lora_unet_down_blocks_1_attentions_0_proj_in").key()).isEqualTo(UNET + "input_blocks.4.1.proj_in.weight");
        assertThat(full.find("lora_unet_up_blocks_0_attentions_2_transformer_blocks_0_ff_net_2").key())
                .isEqualTo(UNET + "output_blocks.2.1.transformer_blocks.0.ff.net.2.weight");
        assertThat(full.find("lora_unet_mid_block_attentions_0_transformer_blocks_9_attn1_to_v").key())
                .isEqualTo(UNET + "middle_block.1.transformer_blocks.9.attn1.to_v.weight");
        assertThat(full.find("lora_unet_down_blocks_0_attentions_0_proj_in")).isNull(); // SDXL's first level has none
        assertThat(LoraMerge.kohyaName("text_encoder_2.text_model.encoder.layers.1.self_attn.k_proj"))
                .isEqualTo("lora_te2_text_model_encoder_layers_1_self_attn_k_proj");

        SplittableRandom random = new SplittableRandom(2);
        float[] down = random(random, 64);
        float[] up = random(random, 64);
        Path k = lora("xl-k", List.of(
                SafeTensorsWriter.floats("lora_te2_text_model_encoder_layers_1_self_attn_k_proj.lora_down.weight", DType.F32, new long[] {1, 64}, down),
                SafeTensorsWriter.floats("lora_te2_text_model_encoder_layers_1_self_attn_k_proj.lora_up.weight", DType.F32, new long[] {64, 1}, up)));
        try (SafeTensors f = SafeTensors.open(k)) {
            float[] inProj = LoraMerge.deltas(xl, List.of(new LoraMerge.Applied(f, 1f))).deltas().get(bigG + "attn.in_proj_weight");
            assertThat(inProj).hasSize(3 * 64 * 64);
            for (int row = 0; row < 3 * 64; row++) {
                for (int col = 0; col < 64; col++) {
                    double expected = row >= 64 && row < 128 ? up[row - 64] * down[col] : 0; // k is the second block
                    assertThat((double) inProj[row * 64 + col]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }

    private Path lora(String name, List<SafeTensorsWriter.Entry> entries) throws Exception {
        Path f = dir.resolve(name + ".safetensors");
        SafeTensorsWriter.write(f, new ArrayList<>(entries), null);
        return f;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }
}
