package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.Prediction;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import com.mysticanvas.sd.synth.SdSynthModels;
import com.mysticanvas.sd.testing.TinyModels;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every feature of the pipeline on the tiny SD 2.x, SDXL and SDXL refiner checkpoints: real graphs, real ONNX Runtime. */
class FamiliesPipelineTest {
    private static final SdPipeline PIPELINE = new SdPipeline(ClipTokenizer::bundled,
            name -> TinyModels.root().resolve("sd/loras").resolve(name));
    private static final Map<String, Family> FAMILIES = Map.of("tiny-sd2", Family.SD2, "tiny-sdxl", Family.SDXL,
            "tiny-sdxl-refiner", Family.SDXL_REFINER);

    @TempDir
    Path dir;

    private static GenerationRequest request(long seed) {
        return GenerationRequest.builder().prompt("a (lighthouse:1.2) at dusk").negativePrompt("blurry").size(64, 64)
                .steps(2).seed(seed).build();
    }

    private static List<GeneratedImage> run(SdModel model, GenerationRequest r) throws Exception {
        return PIPELINE.generate(model, r, ProgressListener.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd2", "tiny-sdxl", "tiny-sdxl-refiner"})
    void txt2imgImg2imgInpaintingBatchAndEverySamplerAndSchedule(String stem) throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint(stem), null, 1)) {
            assertThat(model.spec().family()).isEqualTo(FAMILIES.get(stem));
            List<GeneratedImage> batch = run(model, request(5).toBuilder().batchCount(2).size(96, 64).build());
            assertThat(batch).hasSize(2);
            assertThat(batch.getFirst().pixels().width()).isEqualTo(96);
            assertThat(batch.get(1).seed()).isEqualTo(6);
            assertThat(batch.get(0).pixels().rgb()).isNotEqualTo(batch.get(1).pixels().rgb());
            assertThat(batch.getFirst().parameters()).contains("Seed: 5", "Size: 96x64", "Model: " + stem);
            assertThat(run(model, request(5).toBuilder().size(96, 64).build()).getFirst().pixels().rgb())
                    .isEqualTo(batch.getFirst().pixels().rgb());

            for (Sampler sampler : Sampler.values()) {
                for (Schedule schedule : Schedule.values()) {
                    RgbImage image = run(model, request(1).toBuilder().sampler(sampler).schedule(schedule).build())
                            .getFirst().pixels();
                    assertThat(image.rgb()).as("%s %s", sampler, schedule).hasSize(64 * 64 * 3);
                }
            }

            RgbImage input = run(model, request(3)).getFirst().pixels();
            RgbImage changed = run(model, request(9).toBuilder().init(input, 0.6, null).build()).getFirst().pixels();
            assertThat(changed.rgb()).isNotEqualTo(input.rgb());
            byte[] mask = new byte[64 * 64 * 3];
            Arrays.fill(mask, 0, mask.length / 2, (byte) 255); // repaint the top half
            RgbImage painted = run(model, request(11).toBuilder().init(input, 1, new RgbImage(mask, 64, 64)).build())
                    .getFirst().pixels();
            int half = mask.length / 2;
            assertThat(Arrays.copyOfRange(painted.rgb(), half, mask.length)).isEqualTo(Arrays.copyOfRange(input.rgb(), half, mask.length));
            assertThat(Arrays.copyOfRange(painted.rgb(), 0, half)).isNotEqualTo(Arrays.copyOfRange(input.rgb(), 0, half));

            AtomicInteger steps = new AtomicInteger();
            assertThatThrownBy(() -> PIPELINE.generate(model, request(1).toBuilder().steps(4).build(),
                    (image, images, step, total, preview) -> {
                        assertThat(preview.get()).isNotEmpty();
                        return steps.incrementAndGet() < 2;
                    })).isInstanceOf(GenerationCancelledException.class);
            assertThat(steps.get()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd2", "tiny-sdxl"})
    void theFamilysLoraChangesTheImageAndAnotherFamilysIsRefusedByName(String stem) throws Exception {
        String own = stem + "-lora.safetensors";
        try (SdModel model = SdModel.load(TinyModels.checkpoint(stem), null, 1)) {
            byte[] plain = run(model, request(7)).getFirst().pixels().rgb();
            byte[] withLora = run(model, request(7).toBuilder()
                    .loras(List.of(new GenerationRequest.LoraWeight(own, 1f))).build()).getFirst().pixels().rgb();
            assertThat(model.unknownLoraKeys()).doesNotContainKey(own); // every key found its layer
            assertThat(withLora).isNotEqualTo(plain);
            assertThatThrownBy(() -> run(model, request(7).toBuilder()
                    .loras(List.of(new GenerationRequest.LoraWeight("tiny-lora.safetensors", 1f))).build()))
                    .isInstanceOf(ModelFileException.class)
                    .hasMessageContaining("this is a Stable Diffusion 1.x LoRA; the loaded checkpoint is " + FAMILIES.get(stem).title());
            assertThat(run(model, request(7)).getFirst().pixels().rgb()).isEqualTo(plain);
        }
        try (SdModel sd1 = SdModel.load(TinyModels.checkpoint(), null, 1)) {
            assertThatThrownBy(() -> run(sd1, request(7).toBuilder()
                    .loras(List.of(new GenerationRequest.LoraWeight(own, 1f))).build()))
                    .isInstanceOf(ModelFileException.class)
                    .hasMessageContaining("this is a " + FAMILIES.get(stem).title() + " LoRA; the loaded checkpoint is Stable Diffusion 1.x");
        }
    }

    @Test
    void aSeparateVaeServesSdxlAtItsScaleAndAVaeOfAnotherShapeOrFamilyIsRefused() throws Exception {
        byte[] own;
        try (SdModel model = SdModel.load(TinyModels.checkpoint("tiny-sdxl"), null, 1)) {
            own = run(model, request(21)).getFirst().pixels().rgb();
        }
        try (SdModel withVae = SdModel.load(TinyModels.checkpoint("tiny-sdxl"), TinyModels.vae(), 1)) {
            assertThat(withVae.vae().scale()).isEqualTo(Family.SDXL.vaeScale());
            assertThat(run(withVae, request(21)).getFirst().pixels().rgb()).isNotEqualTo(own);
        }
        Path sixteen = dir.resolve("flux-ae.safetensors");
        var base = SdSynthModels.TINY_VAE;
        SdSynthModels.writeVae(new com.mysticanvas.sd.model.VaeConfig(3, base.channels(), base.mult(), base.resBlocks(), 16,
                base.scale()), DType.F16, 1, sixteen);
        assertThatThrownBy(() -> SdModel.load(TinyModels.checkpoint("tiny-sdxl"), sixteen, 1))
                .isInstanceOf(ModelFileException.class).hasMessageStartingWith("flux-ae.safetensors")
                .hasMessageContaining("16 latent channels");
        Path sd1Vae = dir.resolve("sd1-vae.safetensors");
        SdSynthModels.writeVae(base, DType.F16, 1, sd1Vae, Map.of("modelspec.architecture", "stable-diffusion-v1/vae"));
        assertThatThrownBy(() -> SdModel.load(TinyModels.checkpoint("tiny-sdxl"), sd1Vae, 1))
                .isInstanceOf(ModelFileException.class).hasMessageStartingWith("sd1-vae.safetensors")
                .hasMessageContaining("Stable Diffusion 1.x VAE").hasMessageContaining("Stable Diffusion XL");
    }

    @Test
    void anSdxlInpaintingCheckpointTakesNineChannelsAndKeepsWhatIsNotMasked() throws Exception {
        Path file = dir.resolve("xl-inpainting.safetensors");
        SdSynthModels.writeCheckpoint(SdSynthModels.TINY_SDXL.withUnet(SdSynthModels.TINY_SDXL.unet().withInChannels(9)),
                DType.F16, 6, file);
        try (SdModel model = SdModel.load(file, null, 1)) {
            assertThat(model.spec().family()).isEqualTo(Family.SDXL);
            assertThat(model.inpainting()).isTrue();
            RgbImage input = run(model, request(3)).getFirst().pixels(); // txt2img: all grey, all repainted
            byte[] mask = new byte[64 * 64 * 3];
            Arrays.fill(mask, mask.length / 2, mask.length, (byte) 255); // repaint the bottom half
            RgbImage painted = run(model, request(4).toBuilder().init(input, 1, new RgbImage(mask, 64, 64)).build())
                    .getFirst().pixels();
            int half = mask.length / 2;
            assertThat(Arrays.copyOf(painted.rgb(), half)).isEqualTo(Arrays.copyOf(input.rgb(), half));
            assertThat(Arrays.copyOfRange(painted.rgb(), half, mask.length)).isNotEqualTo(Arrays.copyOfRange(input.rgb(), half, mask.length));
        }
    }

    @Test
    void predictionComesFromTheCheckpointThenTheRequestThenTheSd2Probe() throws Exception {
        Path vpred = dir.resolve("xl-vpred.safetensors");
        SdSynthModels.writeCheckpoint(SdSynthModels.TINY_SDXL, DType.F16, 6, vpred, "v_pred", "ztsnr");
        byte[] eps;
        try (SdModel plain = SdModel.load(TinyModels.checkpoint("tiny-sdxl"), null, 1)) {
            assertThat(plain.prediction(null)).isEqualTo(Prediction.EPS);
            assertThat(plain.prediction(Prediction.V)).isEqualTo(Prediction.V);
            eps = run(plain, request(4)).getFirst().pixels().rgb();
        }
        try (SdModel marked = SdModel.load(vpred, null, 1)) {
            assertThat(marked.prediction(Prediction.EPS)).isEqualTo(Prediction.V); // the checkpoint's word wins
            assertThat(marked.noiseSchedule().sigmaMax()).isGreaterThan(4000);
            // the same weights (same seed), read as v on a ztsnr schedule, paint something else
            assertThat(run(marked, request(4)).getFirst().pixels().rgb()).isNotEqualTo(eps);
        }
        try (SdModel sd2 = SdModel.load(TinyModels.checkpoint("tiny-sd2"), null, 1)) {
            Prediction probed = sd2.probePrediction();
            assertThat(sd2.prediction(null)).isEqualTo(probed);
            assertThat(sd2.prediction(Prediction.V)).isEqualTo(Prediction.V);
            byte[] asEps = run(sd2, request(4).toBuilder().prediction("eps").build()).getFirst().pixels().rgb();
            byte[] asV = run(sd2, request(4).toBuilder().prediction("v").build()).getFirst().pixels().rgb();
            assertThat(asV).isNotEqualTo(asEps);
            assertThat(run(sd2, request(4)).getFirst().pixels().rgb()).isEqualTo(probed == Prediction.V ? asV : asEps);
        }
    }
}
