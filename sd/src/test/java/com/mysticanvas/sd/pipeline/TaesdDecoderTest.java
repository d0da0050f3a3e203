package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.sd.image.ImageTensors;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TAESD's decoder as our ONNX graph against a plain-Java reference written from its published architecture
 * ({@code taesd.py}: soft clamp, convs, Blocks, nearest 2x upsamplings), on the same random weights and latent.
 */
class TaesdDecoderTest {
    @TempDir
    Path dir;

    @Test
    void theGraphAgreesWithTheArchitectureComputedByHand() throws Exception {
        Path file = dir.resolve("taesd_decoder.safetensors");
        SdSynthModels.writeTaesdDecoder(5, file);
        int lh = 3;
        int lw = 4;
        float[] latent = new float[4 * lh * lw];
        Random random = new Random(7);
        for (int i = 0; i < latent.length; i++) {
            latent[i] = (float) random.nextGaussian() * 2;
        }
        float[] ours;
        try (TaesdDecoder d = TaesdDecoder.load(file, 1)) {
            ours = d.decode(latent, 0, lw, lh);
            byte[] png = d.png(latent, 0, lw, lh);
            assertThat(ImageTensors.decode(png).getWidth()).isEqualTo(lw * 8);
        }
        float[] reference;
        try (SafeTensors w = SafeTensors.open(file)) {
            reference = Reference.decode(w, latent, lh, lw);
        }
        assertThat(ours).hasSameSizeAs(reference).hasSize(3 * lh * 8 * lw * 8);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < ours.length; i++) {
            worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
            scale = Math.max(scale, Math.abs(reference[i]));
        }
        assertThat(scale).as("not all zeros").isGreaterThan(1e-3);
        assertThat(worst / scale).as("largest difference relative to the output's range").isLessThan(1e-4);
    }

    /** TAESD's decoder, one float at a time. */
    private static final class Reference {
        static float[] decode(SafeTensors w, float[] latent, int h, int width) {
            float[] x = latent.clone();
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (Math.tanh(x[i] / 3.0) * 3.0);
            }
            int[] size = {h, width};
            x = relu(conv(w, "1", x, 4, 64, size, true));
            int layer = 3;
            for (int stage = 0; stage < 3; stage++) {
                for (int b = 0; b < 3; b++) {
                    x = block(w, Integer.toString(layer++), x, size);
                }
                x = upsample(x, 64, size);
                layer++;
                x = conv(w, Integer.toString(layer++), x, 64, 64, size, false);
            }
            x = block(w, Integer.toString(layer++), x, size);
            return conv(w, Integer.toString(layer), x, 64, 3, size, true);
        }

        static float[] block(SafeTensors w, String p, float[] x, int[] size) {
            float[] h = relu(conv(w, p + ".conv.0", x, 64, 64, size, true));
            h = relu(conv(w, p + ".conv.2", h, 64, 64, size, true));
            h = conv(w, p + ".conv.4", h, 64, 64, size, true);
            for (int i = 0; i < h.length; i++) {
                h[i] = Math.max(0, h[i] + x[i]);
            }
            return h;
        }

        static float[] relu(float[] x) {
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.max(0, x[i]);
            }
            return x;
        }

        /** 3x3, stride 1, zero padding 1, NCHW with N = 1. */
        static float[] conv(SafeTensors w, String p, float[] x, int in, int out, int[] size, boolean bias) {
            float[] k = w.floats(p + ".weight");
            float[] b = bias ? w.floats(p + ".bias") : new float[out];
            int h = size[0];
            int wd = size[1];
            float[] y = new float[out * h * wd];
            for (int o = 0; o < out; o++) {
                for (int r = 0; r < h; r++) {
                    for (int c = 0; c < wd; c++) {
                        double sum = b[o];
                        for (int i = 0; i < in; i++) {
                            for (int dr = -1; dr <= 1; dr++) {
                                for (int dc = -1; dc <= 1; dc++) {
                                    int rr = r + dr;
                                    int cc = c + dc;
                                    if (rr >= 0 && rr < h && cc >= 0 && cc < wd) {
                                        sum += k[((o * in + i) * 3 + dr + 1) * 3 + dc + 1] * x[(i * h + rr) * wd + cc];
                                    }
                                }
                            }
                        }
                        y[(o * h + r) * wd + c] = (float) sum;
                    }
                }
            }
            return y;
        }

        static float[] upsample(float[] x, int channels, int[] size) {
            int h = size[0];
            int w = size[1];
            float[] y = new float[channels * 4 * h * w];
            for (int c = 0; c < channels; c++) {
                for (int r = 0; r < 2 * h; r++) {
                    for (int q = 0; q < 2 * w; q++) {
                        y[(c * 2 * h + r) * 2 * w + q] = x[(c * h + r / 2) * w + q / 2];
                    }
                }
            }
            size[0] = 2 * h;
            size[1] = 2 * w;
            return y;
        }
    }

    @Test
    void previewsUseTheFamilysDecoderWhenThereIsOneAndTheProjectionOtherwise() throws Exception {
        Path folder = dir.resolve("vae-approx");
        java.nio.file.Files.createDirectories(folder);
        float[] latent = new float[4 * 2 * 2];
        PreviewDecoders none = new PreviewDecoders(List::of, 1);
        assertThat(ImageTensors.decode(none.png(com.mysticanvas.sd.model.Family.SD1, latent, 2, 2)).getWidth()).as("linear: 1 px per cell").isEqualTo(2);
        SdSynthModels.writeTaesdDecoder(5, folder.resolve("taesd_decoder.safetensors"));
        PreviewDecoders some = new PreviewDecoders(() -> List.of(folder.resolve("taesd_decoder.safetensors")), 1);
        assertThat(ImageTensors.decode(some.png(com.mysticanvas.sd.model.Family.SD1, latent, 2, 2)).getWidth()).as("TAESD: full size").isEqualTo(16);
        assertThat(ImageTensors.decode(some.png(com.mysticanvas.sd.model.Family.SDXL, latent, 2, 2)).getWidth())
                .as("SDXL wants taesdxl_decoder: not there").isEqualTo(2);
    }
}
