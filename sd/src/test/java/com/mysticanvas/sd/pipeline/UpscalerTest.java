package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.noise.PhiloxNoise;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hires fix's upscalers against the libraries A1111 calls: torch's {@code interpolate} (1.13.1, run here) for the
 * latent modes, Pillow's resize (9.4, run here; {@code a1111/pil-resize-*.txt}) for the pixel ones.
 */
class UpscalerTest {
    private static final int[] PICKED = {0, 1, 50, 117, 300, 467};

    @Test
    void latentModesResizeAsTorchInterpolates() {
        float[] x = new PhiloxNoise(1).next(4 * 5 * 7);
        check(Upscaler.LATENT, x, -0.296277821f, 0.618407249f, -0.660016239f, -2.7714293f, -0.945593774f, -0.434350133f);
        check(Upscaler.LATENT_BICUBIC, x, -0.925303578f, 0.582379997f, -0.8544752f, -3.41687799f, -1.16158962f, -0.702506959f);
        check(Upscaler.LATENT_NEAREST, x, -0.296277821f, -0.296277821f, -1.39561427f, -2.7714293f, -1.0305568f, -0.434350133f);
        check(Upscaler.LATENT_NEAREST_EXACT, x, -0.296277821f, -0.296277821f, -0.124783993f, -2.7714293f, -1.02682412f,
                -0.434350133f);
    }

    @Test
    void antialiasedLatentModesResizeAsTorchDoesUpAndDown() {
        float[] x = new PhiloxNoise(1).next(4 * 5 * 7);
        check(Upscaler.LATENT_ANTIALIASED, x, -0.296277821f, 0.61840719f, -0.660016298f, -2.7714293f, -0.945593834f, -0.434350133f);
        check(Upscaler.LATENT_BICUBIC_ANTIALIASED, x, -0.798503458f, 0.419419497f, -0.740577102f, -3.29015684f,
                -1.11089253f, -0.650511503f);
        int[] picked = {0, 1, 5, 11, 20, 47};
        float[][] down = {
            {1.0356437f, -0.539432526f, -0.756188393f, 0.895158887f, -1.01287043f, 0.44200173f},
            {1.22139287f, -0.633631885f, -0.843043804f, 0.957291782f, -1.08173013f, 0.465111166f}};
        Upscaler[] modes = {Upscaler.LATENT_ANTIALIASED, Upscaler.LATENT_BICUBIC_ANTIALIASED};
        for (int m = 0; m < modes.length; m++) {
            float[] y = modes[m].resizeLatent(x, 4, 5, 7, 3, 4);
            for (int i = 0; i < picked.length; i++) {
                assertThat(y[picked[i]]).as("%s down, value %d", modes[m], picked[i]).isCloseTo(down[m][i], within(3e-6f));
            }
        }
    }

    @Test
    void pixelModesResizeAsPillowDoes() throws IOException {
        List<int[]> rows;
        try (InputStream in = getClass().getResourceAsStream("/a1111/pil-resize-12x10-to-23x29.txt")) {
            rows = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(l -> java.util.Arrays.stream(l.split(" ")).mapToInt(Integer::parseInt).toArray()).toList();
        }
        byte[] source = new byte[rows.get(0).length];
        for (int i = 0; i < source.length; i++) {
            source[i] = (byte) rows.get(0)[i];
        }
        RgbImage image = new RgbImage(source, 10, 12);
        byte[] lanczos = Upscaler.LANCZOS.resizeImage(image, 23, 29).rgb();
        byte[] nearest = Upscaler.NEAREST.resizeImage(image, 23, 29).rgb();
        int worst = 0;
        for (int i = 0; i < lanczos.length; i++) {
            worst = Math.max(worst, Math.abs((lanczos[i] & 0xff) - rows.get(1)[i]));
            assertThat(nearest[i] & 0xff).as("nearest, byte %d", i).isEqualTo(rows.get(2)[i]);
        }
        assertThat(worst).as("Lanczos: Pillow rounds in fixed point, we in float").isLessThanOrEqualTo(1);
    }

    @Test
    void namesAreA1111sAndOtherNamesAreModelFilesButNeverPaths() {
        assertThat(UpscaleMethod.named("latent (Nearest-Exact)")).isEqualTo(Upscaler.LATENT_NEAREST_EXACT);
        assertThat(UpscaleMethod.named(" 4x-UltraSharp ")).isEqualTo(new UpscaleMethod.Model("4x-UltraSharp"));
        assertThatThrownBy(() -> UpscaleMethod.named("../4x.pth")).isInstanceOf(Problem.class)
                .hasMessageContaining("not a path");
    }

    private static void check(Upscaler mode, float[] x, float... want) {
        float[] y = mode.resizeLatent(x, 4, 5, 7, 9, 13);
        assertThat(y).hasSize(4 * 9 * 13);
        for (int i = 0; i < PICKED.length; i++) {
            assertThat(y[PICKED[i]]).as("%s value %d", mode, PICKED[i]).isCloseTo(want[i], within(3e-6f)); // torch computes in float
        }
    }
}
