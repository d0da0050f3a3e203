package com.mysticanvas.llm.gguf;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a GGUF file's header: metadata and tensor infos, never the weights. Every count and length read
 * from the file is checked against the bytes left, so a corrupt file gives a {@link GgufFormatException}
 * saying what is wrong, never an OutOfMemoryError or a hang.
 */
public final class GgufReader {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int MAX_DIMS = 4;
    private static final long DEFAULT_ALIGNMENT = 32;

    /** llama_ftype values as llama.cpp names them ({@code llama_ftype_name}). */
    private static final Map<Long, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0L, "F32"), Map.entry(1L, "F16"), Map.entry(2L, "Q4_0"), Map.entry(3L, "Q4_1"),
            Map.entry(7L, "Q8_0"), Map.entry(8L, "Q5_0"), Map.entry(9L, "Q5_1"), Map.entry(10L, "Q2_K"),
            Map.entry(11L, "Q3_K_S"), Map.entry(12L, "Q3_K_M"), Map.entry(13L, "Q3_K_L"), Map.entry(14L, "Q4_K_S"),
            Map.entry(15L, "Q4_K_M"), Map.entry(16L, "Q5_K_S"), Map.entry(17L, "Q5_K_M"), Map.entry(18L, "Q6_K"),
            Map.entry(19L, "IQ2_XXS"), Map.entry(20L, "IQ2_XS"), Map.entry(21L, "Q2_K_S"), Map.entry(22L, "IQ3_XS"),
            Map.entry(23L, "IQ3_XXS"), Map.entry(24L, "IQ1_S"), Map.entry(25L, "IQ4_NL"), Map.entry(26L, "IQ3_S"),
            Map.entry(27L, "IQ3_M"), Map.entry(28L, "IQ2_S"), Map.entry(29L, "IQ2_M"), Map.entry(30L, "IQ4_XS"),
            Map.entry(31L, "IQ1_M"), Map.entry(32L, "BF16"), Map.entry(36L, "TQ1_0"), Map.entry(37L, "TQ2_0"),
            Map.entry(38L, "MXFP4_MOE"), Map.entry(39L, "NVFP4"), Map.entry(40L, "Q1_0"), Map.entry(41L, "Q2_0"));

    private final Input in;

    private GgufReader(Input in) {
        this.in = in;
    }

    /** Reads the header of {@code file}. Corrupt content: {@link GgufFormatException}; unreadable file: IOException. */
    public static GgufInfo read(Path file) throws IOException {
        long size = Files.size(file);
        try (InputStream stream = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return new GgufReader(new Input(stream, size)).header(file.getFileName().toString(), size);
        } catch (EOFException e) {
            throw new GgufFormatException("file ends inside the header (truncated)");
        }
    }

    private GgufInfo header(String fileName, long fileSize) throws IOException {
        if (fileSize < 24) {
            throw new GgufFormatException("only " + fileSize + " bytes; too short for a GGUF header");
        }
        int magic = in.i32();
        if (magic != MAGIC) {
            throw new GgufFormatException(String.format("not a GGUF file (starts with 0x%08x, expected \"GGUF\")", magic));
        }
        int version = in.i32();
        if (version != 2 && version != 3) {
            throw new GgufFormatException("unsupported GGUF version " + Integer.toUnsignedString(version)
                    + (Integer.reverseBytes(version) == 3 ? " (a big-endian file)" : "") + "; expected 2 or 3");
        }
        long tensors = in.count("tensor count", 8 + 4 + 4 + 8); // name length, n_dims, type, offset at least
        long kvs = in.count("metadata count", 8 + 4);
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvs; i++) {
            String key = in.string("metadata key " + i);
            GgufValueType type = GgufValueType.of(in.i32());
            meta.put(key, value(key, type));
        }
        long alignment = meta.get("general.alignment") instanceof Number n ? n.longValue() : DEFAULT_ALIGNMENT;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new GgufFormatException("general.alignment " + alignment + " is not a power of two");
        }
        long parameters = 0;
        Map<GgmlType, Long> elementsByType = new EnumMap<>(GgmlType.class);
        long dataEnd = 0;
        long blockBytes = 0;
        long expertBytes = 0;
        for (long t = 0; t < tensors; t++) {
            String name = in.string("tensor " + t + " name");
            int dims = in.i32();
            if (dims < 1 || dims > MAX_DIMS) {
                throw new GgufFormatException("tensor '" + name + "' has " + dims + " dimensions (1 to 4 allowed)");
            }
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                long n = in.i64();
                if (n < 0 || n > (1L << 40)) {
                    throw new GgufFormatException("tensor '" + name + "' has an impossible dimension " + Long.toUnsignedString(n));
                }
                try {
                    elements = Math.multiplyExact(elements, n);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException("tensor '" + name + "' is impossibly large");
                }
            }
            int code = in.i32();
            GgmlType type = GgmlType.byCode(code);
            if (type == null) {
                throw new GgufFormatException("tensor '" + name + "' has unknown type " + code);
            }
            if (elements % type.blockSize != 0) {
                throw new GgufFormatException("tensor '" + name + "' of type " + type + " has " + elements
                        + " elements, not a multiple of its block size " + type.blockSize);
            }
            long offset = in.i64();
            if (offset < 0 || offset % alignment != 0) {
                throw new GgufFormatException("tensor '" + name + "' has a bad data offset " + Long.toUnsignedString(offset));
            }
            if (offset > fileSize) {
                throw new GgufFormatException("tensor '" + name + "' starts beyond the end of the file (truncated?)");
            }
            long bytes = type.bytes(elements);
            dataEnd = Math.max(dataEnd, offset + bytes);
            parameters += elements;
            if (name.startsWith("blk.")) {
                blockBytes += bytes;
                if (name.endsWith("_exps.weight")) {
                    expertBytes += bytes;
                }
            }
            elementsByType.merge(type, elements, Long::sum);
        }
        long dataStart = (in.position() + alignment - 1) / alignment * alignment;
        if (dataStart + dataEnd > fileSize) {
            throw new GgufFormatException("tensor data ends at byte " + (dataStart + dataEnd) + ", beyond the end of the "
                    + fileSize + "-byte file (truncated?)");
        }
        String arch = meta.get("general.architecture") instanceof String s ? s : null;
        return new GgufInfo(fileName, fileSize, version, text(meta.get("general.name")), arch, parameters, tensors,
                number(meta.get(arch + ".context_length"), 0),
                quantization(meta.get("general.file_type"), elementsByType),
                text(meta.get("tokenizer.chat_template")),
                (int) number(meta.get(arch + ".pooling_type"), -1), blockBytes, expertBytes, meta);
    }

    private Object value(String key, GgufValueType type) throws IOException {
        return switch (type) {
            case UINT8 -> (long) in.u8();
            case INT8 -> (long) (byte) in.u8();
            case UINT16 -> (long) (in.u8() | in.u8() << 8);
            case INT16 -> (long) (short) (in.u8() | in.u8() << 8);
            case UINT32 -> Integer.toUnsignedLong(in.i32());
            case INT32 -> (long) in.i32();
            case FLOAT32 -> (double) Float.intBitsToFloat(in.i32());
            case BOOL -> in.u8() != 0;
            case STRING -> in.string("value of " + key);
            case UINT64, INT64 -> in.i64();
            case FLOAT64 -> Double.longBitsToDouble(in.i64());
            case ARRAY -> skipArray(key);
        };
    }

    /** Arrays (vocabularies, merges) are skipped; their length is kept. */
    private Long skipArray(String key) throws IOException {
        GgufValueType element = GgufValueType.of(in.i32());
        if (element == GgufValueType.ARRAY) {
            throw new GgufFormatException("metadata '" + key + "' is an array of arrays, which GGUF does not allow");
        }
        long count = in.count("length of array " + key, element.minBytes);
        if (element == GgufValueType.STRING) {
            for (long i = 0; i < count; i++) {
                in.skip(in.count("string in " + key, 1));
            }
        } else {
            in.skip(count * element.minBytes);
        }
        return count;
    }

    private static String quantization(Object fileType, Map<GgmlType, Long> elementsByType) {
        if (fileType instanceof Long code) {
            String name = FILE_TYPES.get(code & ~1024L); // 1024: "guessed" flag
            if (name != null) {
                return name;
            }
        }
        return elementsByType.entrySet().stream().max(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                .map(e -> e.getKey().name()).orElse("unknown");
    }

    private static String text(Object value) {
        return value instanceof String s ? s : null;
    }

    private static long number(Object value, long fallback) {
        return value instanceof Number n ? n.longValue() : fallback;
    }

    /** Little-endian reads that know how many bytes are left. */
    private static final class Input {
        private final InputStream in;
        private final long size;
        private long position;

        Input(InputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        long position() {
            return position;
        }

        int u8() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            position++;
            return b;
        }

        int i32() throws IOException {
            return u8() | u8() << 8 | u8() << 16 | u8() << 24;
        }

        long i64() throws IOException {
            return Integer.toUnsignedLong(i32()) | (long) i32() << 32;
        }

        /** A count of items each at least {@code minBytes} long, checked against the bytes left. */
        long count(String what, int minBytes) throws IOException {
            long n = i64();
            if (n < 0 || n > (size - position) / Math.max(1, minBytes)) {
                throw new GgufFormatException(what + " " + Long.toUnsignedString(n) + " is more than the "
                        + (size - position) + " bytes left in the file could hold");
            }
            return n;
        }

        String string(String what) throws IOException {
            long length = count("length of " + what, 1);
            if (length > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException(what + " is too long");
            }
            byte[] bytes = in.readNBytes((int) length);
            if (bytes.length != length) {
                throw new EOFException();
            }
            position += length;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new GgufFormatException(what + " is not valid UTF-8");
            }
        }

        void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException();
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
            position += n;
        }
    }
}
