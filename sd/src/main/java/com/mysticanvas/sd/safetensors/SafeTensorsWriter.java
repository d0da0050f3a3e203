package com.mysticanvas.sd.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a {@code .safetensors} file tensor by tensor: only one tensor's bytes are in memory at a time, so a
 * 2 GB checkpoint streams out. Written to a temporary file and moved into place, so a reader never sees half a file.
 */
public final class SafeTensorsWriter {
    /**
     * One tensor to write; {@code fill} receives a little-endian buffer of exactly its byte length to fill.
     */
    public record Entry(String name, DType dtype, long[] shape, Consumer<ByteBuffer> fill) {
        public long bytes() {
            return TensorInfo.elements(shape) * dtype.bytes();
        }
    }

    private SafeTensorsWriter() {}

    /** An entry holding the given values, stored as {@code dtype} (F32, F16 or BF16). */
    public static Entry floats(String name, DType dtype, long[] shape, float[] values) {
        if (TensorInfo.elements(shape) != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        return new Entry(name, dtype, shape, buffer -> {
            for (float v : values) {
                putFloat(buffer, dtype, v);
            }
        });
    }

    public static void putFloat(ByteBuffer buffer, DType dtype, float v) {
        switch (dtype) {
            case F32 -> buffer.putFloat(v);
            case F16 -> buffer.putShort(Float.floatToFloat16(v));
            case BF16 -> buffer.putShort((short) (bf16Round(v) >>> 16));
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        }
    }

    private static int bf16Round(float v) {
        int bits = Float.floatToRawIntBits(v);
        return bits + 0x7fff + ((bits >>> 16) & 1); // round to nearest even
    }

    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        ObjectNode header = Json.object();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long end = offset + e.bytes();
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keeps the data 8-byte aligned, as the reference writer does
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            writeFully(out, head.flip());
            for (Entry e : entries) {
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(e.bytes())).order(ByteOrder.LITTLE_ENDIAN);
                e.fill().accept(data);
                if (data.hasRemaining()) {
                    throw new IllegalStateException(e.name() + ": filler left " + data.remaining() + " bytes unwritten");
                }
                writeFully(out, data.flip());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
