package com.mysticanvas.sd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.image.ImageTensors.MaskMode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageTensorsTest {
    /** 2x1: a red and a blue pixel. */
    private static final byte[] RED_BLUE = {(byte) 255, 0, 0, 0, 0, (byte) 255};

    @Test
    void decodesPngBytesIntoNchwInMinusOneToOne() {
        BufferedImage image = ImageTensors.decode(Png.encode(RED_BLUE, 2, 1, Map.of()));
        float[] t = ImageTensors.toTensor(image, 2, 1);
        // channel-major: R plane, G plane, B plane
        assertThat(t).containsExactly(1f, -1f, -1f, -1f, -1f, 1f);
    }

    @Test
    void acceptsBase64AndDataUrls() {
        String b64 = Base64.getEncoder().encodeToString(Png.encode(RED_BLUE, 2, 1, Map.of()));
        assertThat(ImageTensors.decode(ImageTensors.fromBase64(b64)).getWidth()).isEqualTo(2);
        assertThat(ImageTensors.decode(ImageTensors.fromBase64("data:image/png;base64," + b64)).getWidth()).isEqualTo(2);
    }

    @Test
    void decodesJpeg() throws IOException {
        BufferedImage gray = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                gray.setRGB(x, y, 0x808080);
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(gray, "jpeg", jpeg);
        float[] t = ImageTensors.toTensor(ImageTensors.decode(jpeg.toByteArray()), 16, 8);
        for (float v : t) {
            assertThat(v).isCloseTo(128 / 127.5f - 1, within(0.03f));
        }
    }

    @Test
    void resizingKeepsFlatColoursAndFollowsGradients() {
        BufferedImage image = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 30; x++) {
                image.setRGB(x, y, (40 << 16) | ((x * 8) << 8) | 200);
            }
        }
        for (int[] size : new int[][] {{8, 8}, {64, 48}, {30, 7}}) {
            int w = size[0];
            int h = size[1];
            float[] t = ImageTensors.toTensor(image, w, h);
            assertThat(t).hasSize(3 * w * h);
            for (int i = 0; i < w * h; i++) {
                assertThat(t[i]).isCloseTo(40 / 127.5f - 1, within(1e-4f));
                assertThat(t[2 * w * h + i]).isCloseTo(200 / 127.5f - 1, within(1e-4f));
            }
            // green rises left to right in the middle row
            int row = h / 2 * w;
            assertThat(t[w * h + row + w - 2]).isGreaterThan(t[w * h + row + 1]);
        }
    }

    @Test
    void transparentPixelsLieOnWhite() {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00000000);
        assertThat(ImageTensors.toTensor(image, 1, 1)).containsExactly(1f, 1f, 1f);
    }

    @Test
    void a1111MasksUseLuminanceOrRealTransparency() {
        BufferedImage bw = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        bw.setRGB(0, 0, 0xFFFFFF);
        bw.setRGB(1, 0, 0x000000);
        assertThat(ImageTensors.toMask(bw, 2, 1, MaskMode.A1111)).containsExactly(1f, 0f);
        BufferedImage alpha = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        alpha.setRGB(0, 0, 0xFF000000);
        alpha.setRGB(1, 0, 0x80FFFFFF);
        alpha.setRGB(2, 0, 0x81000000);
        assertThat(ImageTensors.toMask(alpha, 3, 1, MaskMode.A1111)).containsExactly(1f, 0f, 1f);
    }

    @Test
    void openAiMasksMarkTransparentPixels() {
        BufferedImage alpha = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        alpha.setRGB(0, 0, 0x00FFFFFF);
        alpha.setRGB(1, 0, 0xFF000000);
        assertThat(ImageTensors.toMask(alpha, 2, 1, MaskMode.OPENAI)).containsExactly(1f, 0f);
        float[] latentSized = ImageTensors.toMask(alpha, 1, 1, MaskMode.OPENAI);
        assertThat(latentSized[0]).isCloseTo(0.5f, within(1e-6f));
    }

    @Test
    void badOrHugeImagesAreClientErrors() {
        assertThatThrownBy(() -> ImageTensors.fromBase64("not base64 !!")).isInstanceOf(Problem.class)
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> ImageTensors.decode("hello".getBytes())).isInstanceOf(Problem.class)
                .hasMessageContaining("image");
        byte[] noise = new byte[300];
        new java.util.Random(1).nextBytes(noise);
        byte[] truncated = java.util.Arrays.copyOf(Png.encode(noise, 10, 10, Map.of()), 100);
        assertThatThrownBy(() -> ImageTensors.decode(truncated)).isInstanceOf(Problem.class);
        // A header claiming 20000x20000 pixels is refused before any pixel memory is taken.
        Problem e = org.junit.jupiter.api.Assertions.assertThrows(Problem.class,
                () -> ImageTensors.decode(pngHeaderOnly(20000, 20000)));
        assertThat(e.kind()).isEqualTo(Problem.Kind.TOO_LARGE);
        assertThat(e).hasMessageContaining("20000x20000");
    }

    @Test
    void tensorsGoBackToRoundedClampedBytes() {
        float[] t = {-1f, 0f, 1f, 2f, -3f, 0.5f};
        // 2 pixels, 1 row: R = {-1, 0}, G = {1, 2}, B = {-3, 0.5}
        assertThat(ImageTensors.toRgb(t, 0, 2, 1)).containsExactly(0, 255, 0, (byte) 128, (byte) 255, (byte) 191);
        assertThatThrownBy(() -> ImageTensors.toRgb(t, 1, 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] pngHeaderOnly(int width, int height) {
        byte[] real = Png.encode(new byte[3], 1, 1, Map.of());
        byte[] header = java.util.Arrays.copyOf(real, 8 + 8 + 13 + 4);
        ByteBuffer.wrap(header).putInt(16, width).putInt(20, height);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(header, 12, 17);
        ByteBuffer.wrap(header).putInt(29, (int) crc.getValue());
        return header;
    }
}
