package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.synth.SdSynthModels;
import com.mysticanvas.sd.testing.TinyModels;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inpainting checkpoints (sd-v1-5-inpainting and its kind): the UNet takes the latent, the mask and the masked
 * image's latent (4 + 1 + 4 channels). A tiny random one of that shape runs txt2img, img2img and inpainting.
 */
class InpaintingCheckpointTest {
    private static final SdPipeline PIPELINE = new SdPipeline(ClipTokenizer::bundled, name -> TinyModels.root().resolve("sd/loras").resolve(name));

    @TempDir
    Path dir;

    private Path checkpoint(int inChannels) throws Exception {
        SdModelSpec spec = SdSynthModels.TINY.withUnet(SdSynthModels.TINY_UNET.withInChannels(inChannels));
        Path file = dir.resolve("tiny-" + inChannels + ".safetensors");
        SdSynthModels.writeCheckpoint(spec, DType.F16, 7, file);
        return file;
    }

    private static GenerationRequest request(long seed) {
        return GenerationRequest.builder().prompt("a red door").size(64, 64).steps(3).seed(seed).build();
    }

    @Test
    void anInpaintingCheckpointMakesImagesAndRepaintsOnlyTheMask() throws Exception {
        try (SdModel model = SdModel.load(checkpoint(9), null, 1)) {
            assertThat(model.inpainting()).isTrue();
            RgbImage made = PIPELINE.generate(model, request(1), ProgressListener.NONE).getFirst().pixels();
            assertThat(PIPELINE.generate(model, request(1), ProgressListener.NONE).getFirst().pixels().rgb()).isEqualTo(made.rgb());
            assertThat(made.width()).isEqualTo(64);

            RgbImage changed = PIPELINE.generate(model, request(2).toBuilder().init(made, 0.7, null).build(), ProgressListener.NONE).getFirst().pixels();
            assertThat(changed.rgb()).isNotEqualTo(made.rgb());

            byte[] mask = new byte[64 * 64 * 3];
            Arrays.fill(mask, 0, 32 * 64 * 3, (byte) 255); // repaint the top half
            RgbImage inpainted = PIPELINE.generate(model, request(3).toBuilder().init(made, 1, new RgbImage(mask, 64, 64)).build(),
                    ProgressListener.NONE).getFirst().pixels();
            int half = 32 * 64 * 3;
            assertThat(Arrays.copyOfRange(inpainted.rgb(), half, inpainted.rgb().length))
                    .isEqualTo(Arrays.copyOfRange(made.rgb(), half, made.rgb().length));
            assertThat(Arrays.copyOfRange(inpainted.rgb(), 0, half)).isNotEqualTo(Arrays.copyOfRange(made.rgb(), 0, half));
        }
    }

    @Test
    void theInpaintingUnetIsGivenABinaryMaskAsA1111RoundsIt() throws Exception {
        // A soft-edged mask: a horizontal ramp from black to white. A1111 rounds it (torch.round) and takes each
        // latent cell's top-left pixel (nearest interpolate); an averaged mask would give fractions at every cell.
        byte[] ramp = new byte[64 * 64 * 3];
        for (int i = 0; i < 64 * 64; i++) {
            java.util.Arrays.fill(ramp, i * 3, i * 3 + 3, (byte) (i % 64 * 4));
        }
        try (SdModel model = SdModel.load(checkpoint(9), null, 1)) {
            RgbImage init = new RgbImage(new byte[64 * 64 * 3], 64, 64);
            float[] extra = SdPipeline.inpaintingInput(model, init, new RgbImage(ramp, 64, 64), 64, 64);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    float want = x * 8 * 4 / 255.0 > 0.5 ? 1 : 0; // pixel (8x, 8y) has level 32x
                    assertThat(extra[y * 8 + x]).as("cell %d,%d", x, y).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void aUNetOfAnyOtherWidthIsRefusedNamingTheFile() throws Exception {
        Path odd = checkpoint(5);
        assertThatThrownBy(() -> SdModel.load(odd, null, 1)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("tiny-5.safetensors").hasMessageContaining("takes 5 channels");
    }
}
