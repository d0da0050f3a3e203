package com.mysticanvas.sd.image;

import com.mysticanvas.core.Problem;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * PNG encode/decode with tEXt chunks (A1111 writes its generation settings in {@code parameters}).
 *
 * <p>Writes 8-bit RGB, non-interlaced, each row filtered with the filter that minimises the sum of
 * absolute values (libpng's heuristic), zlib-compressed with {@link Deflater}. Text that Latin-1 can
 * hold goes in tEXt; other text (a prompt in Japanese) in an uncompressed UTF-8 iTXt chunk, as PIL
 * (and so A1111) does. Text chunks come before the image data so readers find them early.
 */
public final class Png {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int IDAT_CHUNK = 1 << 18;
    /** Decompressed zTXt/iTXt text beyond this is refused: a small file must not inflate into gigabytes. */
    private static final int MAX_TEXT_BYTES = 1 << 24;

    private Png() {}

    /** Encodes 8-bit RGB pixels ({@code rgb} = width*height*3, row-major) with the given tEXt chunks. */
    public static byte[] encode(byte[] rgb, int width, int height, Map<String, String> text) {
        if (width <= 0 || height <= 0 || (long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("RGB buffer of " + rgb.length + " bytes is not " + width + "x" + height + "x3");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(rgb.length / 2 + 1024);
        out.writeBytes(SIGNATURE);
        ByteBuffer header = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        writeChunk(out, "IHDR", header.array());
        text.forEach((key, value) -> writeChunk(out, latin1(value) ? "tEXt" : "iTXt", textChunk(key, value)));
        byte[] compressed = deflate(filterRows(rgb, width, height));
        for (int at = 0; at < compressed.length; at += IDAT_CHUNK) {
            writeChunk(out, "IDAT", Arrays.copyOfRange(compressed, at, Math.min(compressed.length, at + IDAT_CHUNK)));
        }
        writeChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** The tEXt (and zTXt, iTXt) chunks of a PNG file, in file order. */
    public static Map<String, String> readText(byte[] png) {
        if (png.length < SIGNATURE.length || !Arrays.equals(png, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw Problem.badInput("not a PNG file (bad signature)");
        }
        Map<String, String> text = new LinkedHashMap<>();
        ByteBuffer in = ByteBuffer.wrap(png).position(SIGNATURE.length);
        while (in.remaining() >= 12) {
            int length = in.getInt();
            if (length < 0 || length > in.remaining() - 8) {
                throw Problem.badInput("PNG chunk at byte " + (in.position() - 4) + " claims " + length
                        + " bytes, past the end of the file");
            }
            byte[] typeAndData = new byte[4 + length];
            in.get(typeAndData);
            int crc = in.getInt();
            String type = new String(typeAndData, 0, 4, StandardCharsets.ISO_8859_1);
            if (crc != crc(typeAndData)) {
                throw Problem.badInput("PNG chunk " + type + " has a wrong CRC: the file is corrupt");
            }
            byte[] data = Arrays.copyOfRange(typeAndData, 4, typeAndData.length);
            switch (type) {
                case "tEXt" -> putText(text, data, false);
                case "zTXt" -> putText(text, data, true);
                case "iTXt" -> putInternationalText(text, data);
                case "IEND" -> {
                    return text;
                }
                default -> { }
            }
        }
        throw Problem.badInput("PNG file is truncated (no IEND chunk)");
    }

    private static void putText(Map<String, String> text, byte[] data, boolean compressed) {
        int zero = indexOf(data, 0, "tEXt/zTXt keyword");
        String key = new String(data, 0, zero, StandardCharsets.ISO_8859_1);
        byte[] value = compressed ? inflate(data, zero + 2) : Arrays.copyOfRange(data, zero + 1, data.length);
        text.put(key, new String(value, StandardCharsets.ISO_8859_1));
    }

    private static void putInternationalText(Map<String, String> text, byte[] data) {
        int keyEnd = indexOf(data, 0, "iTXt keyword");
        if (keyEnd + 2 >= data.length) {
            throw Problem.badInput("PNG iTXt chunk is truncated");
        }
        boolean compressed = data[keyEnd + 1] != 0;
        int languageEnd = indexOf(data, keyEnd + 3, "iTXt language tag");
        int translatedEnd = indexOf(data, languageEnd + 1, "iTXt translated keyword");
        byte[] value = compressed ? inflate(data, translatedEnd + 1)
                : Arrays.copyOfRange(data, translatedEnd + 1, data.length);
        text.put(new String(data, 0, keyEnd, StandardCharsets.ISO_8859_1), new String(value, StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] data, int from, String what) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == 0) {
                return i;
            }
        }
        throw Problem.badInput("PNG text chunk: " + what + " is not terminated");
    }

    private static byte[] inflate(byte[] data, int from) {
        if (from > data.length) {
            throw Problem.badInput("PNG compressed text chunk is truncated");
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, from, data.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw Problem.badInput("PNG compressed text chunk is truncated");
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_TEXT_BYTES) {
                    throw Problem.tooLarge("PNG text chunk inflates past " + MAX_TEXT_BYTES + " bytes");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw Problem.badInput("PNG compressed text chunk is corrupt: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    private static boolean latin1(String value) {
        CharsetEncoder encoder = StandardCharsets.ISO_8859_1.newEncoder();
        return encoder.canEncode(value);
    }

    private static byte[] textChunk(String key, String value) {
        if (key.isEmpty() || key.length() > 79 || !latin1(key) || key.chars().anyMatch(c -> c < 0x20 || (c > 0x7E && c < 0xA1))
                || key.startsWith(" ") || key.endsWith(" ") || key.contains("  ")) {
            throw new IllegalArgumentException("PNG text keyword '" + key + "' must be 1-79 printable Latin-1 characters");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        if (latin1(value)) {
            out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(new byte[] {0, 0, 0, 0}); // not compressed, method 0, empty language tag, empty translated keyword
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static void writeChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeAndData = new byte[4 + data.length];
        System.arraycopy(type.getBytes(StandardCharsets.ISO_8859_1), 0, typeAndData, 0, 4);
        System.arraycopy(data, 0, typeAndData, 4, data.length);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeAndData);
        out.writeBytes(ByteBuffer.allocate(4).putInt(crc(typeAndData)).array());
    }

    private static int crc(byte[] typeAndData) {
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        return (int) crc.getValue();
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater(6);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
            byte[] buffer = new byte[1 << 16];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** Each row prefixed by its filter type: None, Sub, Up, Average or Paeth, whichever sums smallest. */
    private static byte[] filterRows(byte[] rgb, int width, int height) {
        int stride = width * 3;
        byte[] out = new byte[(stride + 1) * height];
        byte[][] candidates = new byte[5][stride];
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            int above = row - stride;
            long bestScore = Long.MAX_VALUE;
            int best = 0;
            for (int filter = 0; filter < 5; filter++) {
                byte[] c = candidates[filter];
                long score = 0;
                for (int i = 0; i < stride; i++) {
                    int x = rgb[row + i] & 0xFF;
                    int a = i >= 3 ? rgb[row + i - 3] & 0xFF : 0;
                    int b = y > 0 ? rgb[above + i] & 0xFF : 0;
                    int ab = i >= 3 && y > 0 ? rgb[above + i - 3] & 0xFF : 0;
                    int predicted = switch (filter) {
                        case 0 -> 0;
                        case 1 -> a;
                        case 2 -> b;
                        case 3 -> (a + b) >>> 1;
                        default -> paeth(a, b, ab);
                    };
                    c[i] = (byte) (x - predicted);
                    score += Math.abs((int) c[i]);
                }
                if (score < bestScore) {
                    bestScore = score;
                    best = filter;
                }
            }
            out[y * (stride + 1)] = (byte) best;
            System.arraycopy(candidates[best], 0, out, y * (stride + 1) + 1, stride);
        }
        return out;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
