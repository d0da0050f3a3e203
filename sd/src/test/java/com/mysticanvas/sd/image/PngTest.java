package com.mysticanvas.sd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngTest {
    private static byte[] randomRgb(int width, int height, long seed) {
        byte[] rgb = new byte[width * height * 3];
        new Random(seed).nextBytes(rgb);
        return rgb;
    }

    /** A smooth gradient, so that every filter type wins somewhere. */
    private static byte[] gradient(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = 3 * (y * width + x);
                rgb[i] = (byte) (x * 3);
                rgb[i + 1] = (byte) (y * 5);
                rgb[i + 2] = (byte) ((x + y) / 2);
            }
        }
        return rgb;
    }

    private static byte[] pixelsOf(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                int i = 3 * (y * image.getWidth() + x);
                rgb[i] = (byte) (p >> 16);
                rgb[i + 1] = (byte) (p >> 8);
                rgb[i + 2] = (byte) p;
            }
        }
        return rgb;
    }

    @Test
    void imageIoDecodesExactlyThePixelsWritten() throws IOException {
        int[][] sizes = {{1, 1}, {3, 2}, {257, 13}, {64, 64}};
        for (int[] size : sizes) {
            for (byte[] rgb : new byte[][] {randomRgb(size[0], size[1], size[0]), gradient(size[0], size[1])}) {
                byte[] png = Png.encode(rgb, size[0], size[1], Map.of());
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                assertThat(image.getWidth()).isEqualTo(size[0]);
                assertThat(image.getHeight()).isEqualTo(size[1]);
                assertThat(pixelsOf(png)).containsExactly(rgb);
            }
        }
    }

    @Test
    void largeImagesSpanSeveralIdatChunksAndCompressWell() throws IOException {
        byte[] rgb = gradient(1024, 1024);
        byte[] png = Png.encode(rgb, 1024, 1024, Map.of());
        assertThat(pixelsOf(png)).containsExactly(rgb);
        assertThat(png.length).isLessThan(rgb.length / 10);
    }

    @Test
    void startsWithTheSignatureAndEndsWithTheStandardIendChunk() {
        byte[] png = Png.encode(new byte[3], 1, 1, Map.of());
        assertThat(Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');
        // IEND's CRC is the well-known AE 42 60 82.
        assertThat(Arrays.copyOfRange(png, png.length - 12, png.length))
                .containsExactly(0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82);
        // IHDR: 13 bytes, 1x1, depth 8, colour type 2 (RGB)
        assertThat(Arrays.copyOfRange(png, 8, 16 + 13)).containsExactly(
                0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0);
    }

    @Test
    void textChunksRoundTripInOrderWithLatin1AndUnicode() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("parameters", "a cat, café\nSteps: 20");
        text.put("Comment", "東京の猫 🐱");
        text.put("Software", "MystiCanvas");
        byte[] png = Png.encode(randomRgb(5, 4, 1), 5, 4, text);
        assertThat(Png.readText(png)).containsExactlyEntriesOf(text);
        String raw = new String(png, StandardCharsets.ISO_8859_1);
        assertThat(raw).contains("tEXtparameters\0a cat, caf\u00e9\nSteps: 20").contains("iTXtComment\0");
        assertThat(raw.indexOf("tEXt")).isLessThan(raw.indexOf("IDAT"));
    }

    @Test
    void everyChunkCrcIsCorrect() {
        byte[] png = Png.encode(randomRgb(40, 30, 2), 40, 30, Map.of("parameters", "x"));
        ByteBuffer in = ByteBuffer.wrap(png).position(8);
        int chunks = 0;
        while (in.hasRemaining()) {
            int length = in.getInt();
            byte[] typeAndData = new byte[4 + length];
            in.get(typeAndData);
            CRC32 crc = new CRC32();
            crc.update(typeAndData);
            assertThat(in.getInt()).isEqualTo((int) crc.getValue());
            chunks++;
        }
        assertThat(chunks).isGreaterThanOrEqualTo(4);
    }

    @Test
    void readsCompressedTextOtherProgramsWrite() {
        byte[] plain = Png.encode(new byte[3], 1, 1, Map.of());
        ByteArrayOutputStream ztxt = new ByteArrayOutputStream();
        ztxt.writeBytes("parameters\0\0".getBytes(StandardCharsets.ISO_8859_1));
        Deflater deflater = new Deflater();
        deflater.setInput("long text ".repeat(100).getBytes(StandardCharsets.ISO_8859_1));
        deflater.finish();
        byte[] buffer = new byte[4096];
        ztxt.write(buffer, 0, deflater.deflate(buffer));
        byte[] png = insertChunkAfterHeader(plain, "zTXt", ztxt.toByteArray());
        assertThat(Png.readText(png)).containsEntry("parameters", "long text ".repeat(100));
    }

    @Test
    void corruptFilesAreBadRequests() {
        byte[] png = Png.encode(randomRgb(4, 4, 3), 4, 4, Map.of("parameters", "hello"));
        byte[] flipped = png.clone();
        int at = new String(png, StandardCharsets.ISO_8859_1).indexOf("hello");
        flipped[at] ^= 1;
        assertThatThrownBy(() -> Png.readText(flipped)).isInstanceOf(Problem.class).hasMessageContaining("CRC");
        assertThatThrownBy(() -> Png.readText(Arrays.copyOf(png, png.length - 20))).isInstanceOf(Problem.class);
        assertThatThrownBy(() -> Png.readText("GIF89a".getBytes())).isInstanceOf(Problem.class)
                .hasMessageContaining("signature");
        byte[] plain = Png.encode(new byte[3], 1, 1, Map.of());
        for (String type : new String[] {"zTXt", "iTXt"}) {
            byte[] cut = insertChunkAfterHeader(plain, type, "key\0".getBytes(StandardCharsets.ISO_8859_1));
            assertThatThrownBy(() -> Png.readText(cut)).as(type).isInstanceOf(Problem.class).hasMessageContaining("truncated");
        }
        byte[] bomb = insertChunkAfterHeader(plain, "zTXt", zlibOfZeros(32 << 20));
        assertThatThrownBy(() -> Png.readText(bomb)).isInstanceOf(Problem.class).hasMessageContaining("inflates");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> Png.encode(new byte[5], 1, 2, Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Png.encode(new byte[3], 1, 1, Map.of("", "x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Png.encode(new byte[3], 1, 1, Map.of("k\u00e9y\u0001", "x"))).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] zlibOfZeros(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("k\0\0".getBytes(StandardCharsets.ISO_8859_1));
        Deflater deflater = new Deflater(9);
        deflater.setInput(new byte[n]);
        deflater.finish();
        byte[] buffer = new byte[1 << 16];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    static byte[] insertChunkAfterHeader(byte[] png, String type, byte[] data) {
        int afterHeader = 8 + 12 + 13;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterHeader);
        byte[] typeAndData = new byte[4 + data.length];
        System.arraycopy(type.getBytes(StandardCharsets.ISO_8859_1), 0, typeAndData, 0, 4);
        System.arraycopy(data, 0, typeAndData, 4, data.length);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeAndData);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        out.write(png, afterHeader, png.length - afterHeader);
        return out.toByteArray();
    }
}
