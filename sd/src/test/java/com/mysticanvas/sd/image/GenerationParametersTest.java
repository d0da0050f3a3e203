package com.mysticanvas.sd.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import org.junit.jupiter.api.Test;

class GenerationParametersTest {
    private final GenerationParameters params = new GenerationParameters("a cat, sitting", "blurry, lowres", 20,
            Sampler.EULER_A, Schedule.KARRAS, 7.0, 1, 512, 512, "v1-5-pruned.safetensors");

    @Test
    void writesA1111sInfotext() {
        assertThat(params.toA1111()).isEqualTo("""
                a cat, sitting
                Negative prompt: blurry, lowres
                Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, \
                Model: v1-5-pruned.safetensors""");
    }

    @Test
    void leavesOutAnEmptyNegativePromptAndAMissingModel() {
        GenerationParameters bare = new GenerationParameters("a dog", "", 30, Sampler.DPMPP_2M, Schedule.DISCRETE,
                7.5, 4_294_967_296L, 640, 384, null);
        assertThat(bare.toA1111()).isEqualTo("a dog\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Uniform, "
                + "CFG scale: 7.5, Seed: 4294967296, Size: 640x384");
    }

    @Test
    void extrasFollowInOrderAndValuesWithCommasOrColonsAreQuoted() {
        String text = params.with("Denoising strength", 0.75).with("Lora hashes", "detail: abc123, style: def456")
                .with("Version", "mysticanvas 0.1").with("Mask blur", 4f).toA1111();
        assertThat(text).endsWith("Model: v1-5-pruned.safetensors, Denoising strength: 0.75, "
                + "Lora hashes: \"detail: abc123, style: def456\", Version: mysticanvas 0.1, Mask blur: 4");
    }

    @Test
    void goesIntoThePngParametersChunk() {
        byte[] png = Png.encode(new byte[3], 1, 1, params.pngText());
        assertThat(Png.readText(png)).containsEntry("parameters", params.toA1111());
    }

    @Test
    void anInfotextReadsBackAsA1111ReadsIt() {
        String a1111 = """
                a cat, (masterpiece:1.2)
                on two lines
                Negative prompt: blurry, lowres
                Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x768, \
                Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "detail: abcdef123456, x: 0123456789ab", \
                Hires prompt: "a \\"quoted\\" cat", Version: v1.10.1""";
        var read = GenerationParameters.parse(a1111);
        assertThat(read).containsEntry("Prompt", "a cat, (masterpiece:1.2)\non two lines")
                .containsEntry("Negative prompt", "blurry, lowres").containsEntry("Steps", "20").containsEntry("Sampler", "DPM++ 2M")
                .containsEntry("Size-1", "512").containsEntry("Size-2", "768").containsEntry("Model hash", "6ce0161689")
                .containsEntry("Lora hashes", "detail: abcdef123456, x: 0123456789ab").containsEntry("Hires prompt", "a \"quoted\" cat")
                .containsEntry("Version", "v1.10.1");
        assertThat(GenerationParameters.parse("just a prompt\nSteps: 20")).as("under three pairs: all prompt")
                .containsEntry("Prompt", "just a prompt\nSteps: 20").containsEntry("Negative prompt", "");

        GenerationParameters ours = new GenerationParameters("a fox", "", 8, Sampler.EULER, Schedule.KARRAS, 5.5, 77, 64, 96, "tiny-sd")
                .with(GenerationParameters.MODEL_HASH, "0123456789").with("Version", "MystiCanvas dev");
        assertThat(ours.toA1111()).contains("Seed: 77, Size: 64x96, Model hash: 0123456789, Model: tiny-sd, Version: MystiCanvas dev");
        assertThat(GenerationParameters.parse(ours.toA1111())).containsEntry("Prompt", "a fox").containsEntry("CFG scale", "5.5")
                .containsEntry("Schedule type", "Karras").containsEntry("Model", "tiny-sd");
    }
}
