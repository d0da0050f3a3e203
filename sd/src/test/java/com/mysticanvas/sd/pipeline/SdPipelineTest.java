package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.sd.noise.GaussianNoise;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.testing.TinyModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End to end on the tiny checkpoint: real graphs, real ONNX Runtime, real VAE and LoRA files. */
class SdPipelineTest {
    private static SdModel model;
    private static final SdPipeline PIPELINE = new SdPipeline(ClipTokenizer::bundled, name -> TinyModels.root().resolve("sd/loras").resolve(name));

    @BeforeAll
    static void load() throws Exception {
        model = SdModel.load(TinyModels.checkpoint(), null, 1);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    private static GenerationRequest request(long seed) {
        return GenerationRequest.builder().prompt("a photo of a cat").size(64, 64).steps(4).seed(seed).build();
    }

    private static GenerationRequest withLora(GenerationRequest r, float weight) {
        return r.toBuilder().loras(List.of(new GenerationRequest.LoraWeight("tiny-lora.safetensors", weight))).build();
    }

    private static byte[] one(SdModel m, GenerationRequest r) throws Exception {
        List<GeneratedImage> images = PIPELINE.generate(m, r, ProgressListener.NONE);
        assertThat(images).hasSize(r.batchCount());
        return images.getFirst().png();
    }

    @Test
    void txt2imgGivesAPngOfTheAskedSizeWithParameters() throws Exception {
        GenerationRequest r = GenerationRequest.builder().prompt("a photo of a cat").negativePrompt("blurry").size(96, 64)
                .steps(3).sampler(Sampler.EULER).seed(5).batchCount(2).build();
        List<GeneratedImage> images = PIPELINE.generate(model, r, ProgressListener.NONE);
        assertThat(images).hasSize(2);
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(images.get(0).png()));
        assertThat(png.getWidth()).isEqualTo(96);
        assertThat(png.getHeight()).isEqualTo(64);
        assertThat(images.get(0).parameters()).contains("Seed: 5", "Size: 96x64", "Negative prompt: blurry", "Model: tiny-sd");
        assertThat(images.get(1).seed()).isEqualTo(6);
        assertThat(images.get(0).pixels().rgb()).isNotEqualTo(images.get(1).pixels().rgb());
    }

    @Test
    void ddimAndPlmsWalkA1111sTimestepGridWhateverTheSchedule() throws Exception {
        List<Integer> steps = new java.util.ArrayList<>();
        ProgressListener count = (image, images, step, of, preview) -> steps.add(of);
        GenerationRequest ddim = request(9).toBuilder().sampler(Sampler.DDIM).schedule(Schedule.KARRAS).build();
        byte[] karras = PIPELINE.generate(model, ddim, count).getFirst().png();
        assertThat(steps).as("4 steps: timesteps 1, 251, 501, 751, the model called at all but the last").containsOnly(3);
        byte[] exponential = one(model, ddim.toBuilder().schedule(Schedule.EXPONENTIAL).build());
        assertThat(rgb(karras)).isEqualTo(rgb(exponential));
        assertThat(rgb(karras)).isNotEqualTo(rgb(one(model, ddim.toBuilder().sampler(Sampler.EULER).build())));

        steps.clear();
        RgbImage input = PIPELINE.generate(model, request(4), ProgressListener.NONE).getFirst().pixels();
        GenerationRequest plms = request(9).toBuilder().sampler(Sampler.PLMS).steps(10).init(input, 0.6, null).build();
        assertThat(PIPELINE.generate(model, plms, count)).hasSize(1);
        assertThat(steps).as("t_enc = int(0.6 * 10) = 6: walked from grid timestep 5 down to 0").containsOnly(5);
    }

    @Test
    void uniPcWalksItsOwnTimesOneModelCallAStep() throws Exception {
        List<Integer> steps = new java.util.ArrayList<>();
        ProgressListener count = (image, images, step, of, preview) -> steps.add(of);
        GenerationRequest unipc = request(9).toBuilder().sampler(Sampler.UNIPC).schedule(Schedule.KARRAS).build();
        byte[] karras = PIPELINE.generate(model, unipc, count).getFirst().png();
        assertThat(steps).as("a grid of 4: 4 steps").hasSize(4).containsOnly(4);
        assertThat(rgb(karras)).isEqualTo(rgb(one(model, unipc.toBuilder().schedule(Schedule.EXPONENTIAL).build())));
        assertThat(rgb(karras)).isNotEqualTo(rgb(one(model, unipc.toBuilder().sampler(Sampler.DDIM).build())));

        steps.clear();
        RgbImage input = PIPELINE.generate(model, request(4), ProgressListener.NONE).getFirst().pixels();
        assertThat(PIPELINE.generate(model, unipc.toBuilder().steps(10).init(input, 0.6, null).build(), count)).hasSize(1);
        assertThat(steps).as("t_enc = 6 steps from grid timestep 5").containsOnly(6);
    }

    @Test
    void cfgPlusPlusStepsAlongTheNegativePromptsAnswer() throws Exception {
        GenerationRequest euler = request(8).toBuilder().negativePrompt("blurry").cfgScale(1).sampler(Sampler.EULER).build();
        GenerationRequest cfgpp = euler.toBuilder().sampler(Sampler.EULER_CFG_PP).build();
        // at scale 1 Euler leaves the negative prompt out; CFG++ still asks it, for the direction of its steps
        assertThat(pixels(cfgpp)).isNotEqualTo(pixels(euler));
        // a negative prompt equal to the prompt gives the prompt's own direction back: Euler's steps, to rounding
        byte[] same = pixels(cfgpp.toBuilder().negativePrompt("a photo of a cat").cfgScale(3).build());
        byte[] plain = pixels(euler);
        for (int i = 0; i < plain.length; i++) {
            assertThat(Math.abs((same[i] & 0xff) - (plain[i] & 0xff))).as("pixel byte %d", i).isLessThanOrEqualTo(1);
        }
        assertThat(pixels(request(8).toBuilder().sampler(Sampler.DDIM_CFG_PP).build()))
                .isNotEqualTo(pixels(request(8).toBuilder().sampler(Sampler.DDIM).build()));
    }

    @Test
    void etaChangesTheStochasticSamplersAndIsWrittenAsA1111WritesIt() throws Exception {
        GenerationRequest ancestral = request(6).toBuilder().sampler(Sampler.EULER_A).build();
        GeneratedImage half = PIPELINE.generate(model, ancestral.toBuilder().eta(0.5).build(), ProgressListener.NONE).getFirst();
        assertThat(half.parameters()).contains("Eta: 0.5");
        assertThat(half.pixels().rgb()).isNotEqualTo(pixels(ancestral));
        assertThat(PIPELINE.generate(model, ancestral.toBuilder().eta(1.0).build(), ProgressListener.NONE).getFirst()
                .parameters()).as("the default is not written").doesNotContain("Eta");
        GenerationRequest ddim = request(6).toBuilder().sampler(Sampler.DDIM).eta(0.3).build();
        GeneratedImage noisy = PIPELINE.generate(model, ddim, ProgressListener.NONE).getFirst();
        assertThat(noisy.parameters()).contains("Eta DDIM: 0.3");
        assertThat(noisy.pixels().rgb()).isNotEqualTo(pixels(ddim.toBuilder().eta(null).build()));
        GenerationRequest euler = request(6).toBuilder().sampler(Sampler.EULER).build();
        assertThat(pixels(euler.toBuilder().eta(0.2).build())).as("Euler takes no eta").isEqualTo(pixels(euler));
    }

    @Test
    void sdeSamplersDrawFromTheSeedsBrownianTreeSoTheEtaNoiseSeedDeltaLeavesThemAlone() throws Exception {
        // A1111 seeds the SDE samplers' Brownian tree with the image's seed; the delta only moves the generator
        GenerationRequest sde = request(12).toBuilder().sampler(Sampler.DPMPP_2M_SDE).build();
        GenerationRequest delta = sde.toBuilder().variation(-1, 0, 0, 0, 31337).build();
        assertThat(pixels(delta)).isEqualTo(pixels(sde));
        GenerationRequest ancestral = sde.toBuilder().sampler(Sampler.EULER_A).build();
        assertThat(pixels(ancestral.toBuilder().variation(-1, 0, 0, 0, 31337).build())).isNotEqualTo(pixels(ancestral));
        // our own generator of before keeps drawing the SDE noise from its stream, as its images were made
        GenerationRequest old = sde.toBuilder().rng(com.mysticanvas.sd.noise.Rng.MYSTICANVAS).build();
        assertThat(pixels(old.toBuilder().variation(-1, 0, 0, 0, 31337).build())).isNotEqualTo(pixels(old));
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherImage() throws Exception {
        byte[] a = one(model, request(42));
        byte[] b = one(model, request(42));
        byte[] c = one(model, request(43));
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void promptEditingChangesTheConditioningPartWayAndLongPromptsRunApartFromShortNegatives() throws Exception {
        GenerationRequest plain = request(7).toBuilder().negativePrompt("blurry").build();
        byte[] red = pixels(plain.toBuilder().prompt("a red fox").build());
        byte[] blue = pixels(plain.toBuilder().prompt("a blue fox").build());
        byte[] edited = pixels(plain.toBuilder().prompt("a [red:blue:2] fox").build());
        assertThat(edited).isNotEqualTo(red).isNotEqualTo(blue);
        assertThat(pixels(plain.toBuilder().prompt("a [red:blue:9] fox").build())).as("past the last step: red only")
                .isEqualTo(red);
        // Three windows of prompt, one of negative: two UNet calls a step, deterministic like any other.
        String longPrompt = String.join(", ", java.util.Collections.nCopies(40, "a red fox"));
        byte[] first = pixels(plain.toBuilder().prompt(longPrompt).build());
        assertThat(pixels(plain.toBuilder().prompt(longPrompt).build())).isEqualTo(first);
        assertThat(first).isNotEqualTo(red);
    }

    @Test
    void composablePromptsAddEachPartsWeightedPullAsA1111Does() throws Exception {
        GenerationRequest base = request(11).toBuilder().negativePrompt("blurry").cfgScale(6f).build();
        byte[] fox = pixels(base.toBuilder().prompt("a red fox").build());
        // uncond + 0.5 s (c - uncond) twice is uncond + s (c - uncond): the same picture, from a batch of three
        assertThat(maxDifference(pixels(base.toBuilder().prompt("a red fox :0.5 AND a red fox :0.5").build()), fox))
                .as("two halves of one prompt").isLessThanOrEqualTo(1);
        // weight 0 leaves the negative prompt's answer alone: as if the prompt were the negative prompt
        assertThat(maxDifference(pixels(base.toBuilder().prompt("a red fox :0").build()),
                pixels(base.toBuilder().prompt("blurry").build()))).isLessThanOrEqualTo(1);
        byte[] both = pixels(base.toBuilder().prompt("a red fox AND a blue sky").build());
        assertThat(maxDifference(both, fox)).isGreaterThan(10);
        assertThat(maxDifference(both, pixels(base.toBuilder().prompt("a red fox, a blue sky").build()))).isGreaterThan(10);
        // at scale 1 the negative prompt is still needed once a prompt has parts
        GenerationRequest one = base.toBuilder().cfgScale(1f).build();
        assertThat(maxDifference(pixels(one.toBuilder().prompt("a red fox :0.5 AND a red fox :0.5").build()),
                pixels(one.toBuilder().prompt("a red fox").build()))).isLessThanOrEqualTo(1);
    }

    private static int maxDifference(byte[] a, byte[] b) {
        assertThat(a).hasSameSizeAs(b);
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((a[i] & 0xff) - (b[i] & 0xff)));
        }
        return max;
    }

    /** The pixels alone: the PNG also holds the prompt as written. */
    private static byte[] pixels(GenerationRequest r) throws Exception {
        return PIPELINE.generate(model, r, ProgressListener.NONE).getFirst().pixels().rgb();
    }

    @Test
    void lowMemoryModelPaintsTheSameImageWithTheLoraApplied() throws Exception {
        GenerationRequest r = withLora(request(11), 1f);
        byte[] balanced = rgb(one(model, r));
        byte[] low;
        try (SdModel lowMemory = SdModel.load(TinyModels.checkpoint(), null, 1, SdModel.Memory.LOW)) {
            low = rgb(one(lowMemory, r));
        }
        assertThat(low).hasSameSizeAs(balanced);
        for (int i = 0; i < low.length; i++) { // f32 sums in another order: a level at most
            assertThat(Math.abs((low[i] & 0xff) - (balanced[i] & 0xff))).as("channel value %d", i).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void anSd1CheckpointWithTheOlderTextEncoderKeysLoadsAndMakesTheSameImage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // cond_stage_model.transformer.encoder.… instead of ….transformer.text_model.encoder.…, as older
        // transformers saved it; A1111 renames these keys on load.
        List<com.mysticanvas.sd.safetensors.SafeTensorsWriter.Entry> entries = new java.util.ArrayList<>();
        try (com.mysticanvas.sd.safetensors.SafeTensors st = com.mysticanvas.sd.safetensors.SafeTensors.open(TinyModels.checkpoint())) {
            for (var t : st.tensors().values()) {
                if (!t.dtype().isWeight()) {
                    continue; // position_ids: not read
                }
                String name = t.name().replace("cond_stage_model.transformer.text_model.", "cond_stage_model.transformer.");
                entries.add(com.mysticanvas.sd.safetensors.SafeTensorsWriter.floats(name, t.dtype(), t.shape(), st.floats(t)));
            }
        }
        java.nio.file.Path old = dir.resolve("old-keys.safetensors");
        com.mysticanvas.sd.safetensors.SafeTensorsWriter.write(old, entries, null);
        try (SdModel renamed = SdModel.load(old, null, 1)) {
            assertThat(rgb(one(renamed, request(4)))).isEqualTo(rgb(one(model, request(4))));
        }
    }

    @Test
    void aCkptCheckpointLoadsThroughTheRestrictedReaderAndMakesTheSameImage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path ckpt = dir.resolve("tiny-sd.ckpt");
        try (com.mysticanvas.sd.safetensors.SafeTensors st = com.mysticanvas.sd.safetensors.SafeTensors.open(TinyModels.checkpoint())) {
            com.mysticanvas.sd.testing.TorchSave.write(st, ckpt);
        }
        try (SdModel fromPickle = SdModel.load(ckpt, null, 1)) {
            assertThat(rgb(one(fromPickle, request(6)))).isEqualTo(rgb(one(model, request(6))));
        }
    }

    @Test
    void theVaeDecodesWholeUnlessThatWouldNotFitInMemory() {
        long gb = 1L << 30;
        assertThat(SdPipeline.decodeTile(512 * 768, 8 * gb)).as("512x768 with 8 GB free").isEqualTo(Integer.MAX_VALUE);
        assertThat(SdPipeline.decodeTile(1024 * 1024, 8 * gb)).as("1024² with 8 GB free").isEqualTo(Integer.MAX_VALUE);
        assertThat(SdPipeline.decodeTile(2048 * 2048, 8 * gb)).isEqualTo(SdPipeline.DECODE_TILE);
        assertThat(SdPipeline.decodeTile(1024 * 1024, 4 * gb)).isEqualTo(SdPipeline.DECODE_TILE);
    }

    @Test
    void loraAtWeightOneChangesTheImageAndWeightZeroDoesNot() throws Exception {
        byte[] plain = one(model, request(7));
        byte[] withLora = one(model, withLora(request(7), 1f));
        assertThat(model.loras()).hasSize(1);
        assertThat(model.unknownLoraKeys()).isEmpty();
        byte[] zero = one(model, withLora(request(7), 0f));
        byte[] again = one(model, request(7));
        assertThat(withLora).isNotEqualTo(plain);
        assertThat(rgb(zero)).isEqualTo(rgb(plain));
        assertThat(again).isEqualTo(plain);

        // A1111's <lora:name:te:unet>: each weight changes its own part of the model.
        GenerationRequest.LoraWeight unetOnly = new GenerationRequest.LoraWeight("tiny-lora.safetensors", 0f, 1f);
        GenerationRequest.LoraWeight textOnly = new GenerationRequest.LoraWeight("tiny-lora.safetensors", 1f, 0f);
        GeneratedImage unet = PIPELINE.generate(model, request(7).toBuilder().loras(List.of(unetOnly)).build(),
                ProgressListener.NONE).getFirst();
        byte[] text = one(model, request(7).toBuilder().loras(List.of(textOnly)).build());
        assertThat(List.of(rgb(unet.png()), rgb(text))).doesNotContain(rgb(plain), rgb(withLora));
        assertThat(unet.pixels().rgb()).isNotEqualTo(rgb(text));
        assertThat(unet.parameters()).contains("<lora:tiny-lora:0.0:1.0>");
    }

    @Test
    void img2imgStrengthZeroReturnsTheInputAndHigherStrengthChangesIt() throws Exception {
        GeneratedImage source = PIPELINE.generate(model, request(3), ProgressListener.NONE).getFirst();
        RgbImage input = source.pixels();
        GeneratedImage same = PIPELINE.generate(model, request(9).toBuilder().init(input, 0, null).build(), ProgressListener.NONE).getFirst();
        assertThat(same.pixels().rgb()).isEqualTo(input.rgb());
        GeneratedImage changed = PIPELINE.generate(model, request(9).toBuilder().init(input, 0.75, null).build(), ProgressListener.NONE).getFirst();
        assertThat(changed.pixels().rgb()).isNotEqualTo(input.rgb());
        assertThat(changed.parameters()).contains("Denoising strength: 0.75");
    }

    @Test
    void inpaintingKeepsThePixelsOutsideTheMask() throws Exception {
        RgbImage input = PIPELINE.generate(model, request(3), ProgressListener.NONE).getFirst().pixels();
        byte[] mask = new byte[64 * 64 * 3];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64 * 3; x++) {
                mask[y * 64 * 3 + x] = (byte) 255; // repaint the top half
            }
        }
        RgbImage out = PIPELINE.generate(model, request(11).toBuilder().init(input, 1, new RgbImage(mask, 64, 64)).build(),
                ProgressListener.NONE).getFirst().pixels();
        int half = 32 * 64 * 3;
        assertThat(java.util.Arrays.copyOfRange(out.rgb(), half, out.rgb().length))
                .isEqualTo(java.util.Arrays.copyOfRange(input.rgb(), half, input.rgb().length));
        assertThat(java.util.Arrays.copyOfRange(out.rgb(), 0, half)).isNotEqualTo(java.util.Arrays.copyOfRange(input.rgb(), 0, half));
    }

    @Test
    void separateVaeOverridesTheCheckpointsOwn() throws Exception {
        byte[] own = rgb(one(model, request(21)));
        try (SdModel withVae = SdModel.load(TinyModels.checkpoint(), TinyModels.vae(), 1)) {
            assertThat(withVae.vaeName()).isEqualTo("tiny-vae.safetensors");
            assertThat(rgb(one(withVae, request(21)))).isNotEqualTo(own);
        }
    }

    @Test
    void progressIsReportedAndCancelStopsBetweenSteps() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> PIPELINE.generate(model, request(1), (image, images, step, steps, preview) -> {
            calls.incrementAndGet();
            return step < 2;
        })).isInstanceOf(GenerationCancelledException.class);
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void anInterruptFinishesTheImageFromWhereItStoodAndASkipGoesOnWithTheBatch() throws Exception {
        GenerationRequest two = request(5).toBuilder().batchCount(2).build();
        List<GeneratedImage> whole = PIPELINE.generate(model, two, ProgressListener.NONE);
        List<GeneratedImage> interrupted = PIPELINE.generate(model, two, stopAtStep(2, ProgressListener.Stop.INTERRUPT));
        assertThat(interrupted).hasSize(1); // the second image is never started
        assertThat(interrupted.getFirst().pixels().width()).isEqualTo(64);
        assertThat(interrupted.getFirst().pixels().rgb()).isNotEqualTo(whole.getFirst().pixels().rgb()); // 2 of 4 steps

        List<GeneratedImage> skipped = PIPELINE.generate(model, two, stopAtStep(2, ProgressListener.Stop.SKIP));
        assertThat(skipped).hasSize(2);
        assertThat(skipped.getFirst().pixels().rgb()).isEqualTo(interrupted.getFirst().pixels().rgb());
        assertThat(skipped.get(1).pixels().rgb()).isEqualTo(whole.get(1).pixels().rgb()); // the next one is whole
    }

    /** Stops the first image at {@code step} as {@code how} says, once. */
    private static ProgressListener stopAtStep(int step, ProgressListener.Stop how) {
        return new ProgressListener() {
            @Override
            public boolean onStep(int image, int images, int s, int steps, Supplier<byte[]> preview) {
                return image > 0 || s < step;
            }

            @Override
            public Stop stop() {
                return how;
            }
        };
    }

    @Test
    void aRequestThatSkippedTheSubmissionCheckIsAProgrammingErrorNotABadRequest() {
        // Bounds are checked once, when a job is submitted (ImageJobs.submit); the pipeline only guards itself.
        for (GenerationRequest r : List.of(request(1).toBuilder().size(0, 0).build(),
                request(1).toBuilder().size(66, 64).build(), request(1).toBuilder().steps(0).build(),
                request(1).toBuilder().steps(5000).build())) {
            assertThatThrownBy(() -> PIPELINE.generate(model, r, ProgressListener.NONE))
                    .as("%s", r).isExactlyInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The tiled VAE decode whose group norms share the statistics of the whole image. */
    @Test
    void givenTheWholeImagesOwnStatisticsTheDecoderIsTheSameNetwork() throws Exception {
        int c = model.vae().latentChannels();
        float[] latent = GaussianNoise.sample(3, c * 12 * 10);
        SdModel.NormStatistics own = model.decoderStatistics(latent, 12, 10, 64, 8); // one tile: the whole
        assertThat(own.means().length).as("norms of the decoder").isGreaterThan(5);
        float[] whole = model.decode(latent, 12, 10);
        float[] given = model.decodeTiled(latent, 12, 10, 64, 8);
        assertThat(given).containsExactly(whole, within(1e-4f));
    }

    @Test
    void tilesSharingStatisticsComeCloserToTheWholeDecodeThanTilesNormalizingAlone() throws Exception {
        int c = model.vae().latentChannels();
        int h = 24;
        int w = 24;
        float[] latent = GaussianNoise.sample(5, c * h * w);
        for (int y = 0; y < h; y++) { // a gradient across the image, so that tiles' own statistics differ
            for (int x = 0; x < w; x++) {
                latent[y * w + x] += 3f * y / h;
            }
        }
        float[] whole = model.decode(latent, h, w);
        float[] alone = TiledDecoder.decode(latent, c, h, w, model.vae().factor(), 12, 4, model::decode);
        float[] shared = model.decodeTiled(latent, h, w, 12, 4);
        double aloneError = meanAbsoluteDifference(alone, whole);
        double sharedError = meanAbsoluteDifference(shared, whole);
        System.out.printf("tiled VAE vs whole, mean |difference|: own statistics %.5f, shared %.5f%n", aloneError, sharedError);
        assertThat(sharedError).isLessThan(aloneError / 2);
    }

    private static double meanAbsoluteDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / a.length;
    }

    private static byte[] rgb(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        return ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    }

}
