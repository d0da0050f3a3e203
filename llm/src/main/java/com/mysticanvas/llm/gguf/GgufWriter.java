package com.mysticanvas.llm.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: metadata, tensor infos, then each tensor's data streamed from its {@link TensorData}
 * (so a multi-gigabyte model never sits in memory). The file appears under its name only when complete.
 */
public final class GgufWriter {
    private static final int ALIGNMENT = 32;

    /** Produces exactly {@code bytes} bytes of a tensor's data. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(OutputStream out, long bytes) throws IOException;
    }

    private record Tensor(String name, GgmlType type, long[] dims, long bytes, TensorData data) {}

    private final Map<String, Meta> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    private sealed interface Meta {}
    private record Str(String value) implements Meta {}
    private record U16(int value) implements Meta {}
    private record I32(int value) implements Meta {}
    private record U32(int value) implements Meta {}
    private record F32(float value) implements Meta {}
    private record Bool(boolean value) implements Meta {}
    private record Strings(List<String> values) implements Meta {}
    private record Ints(int[] values) implements Meta {}
    private record Floats(float[] values) implements Meta {}

    public GgufWriter string(String key, String value) {
        metadata.put(key, new Str(value));
        return this;
    }

    public GgufWriter u32(String key, int value) {
        metadata.put(key, new U32(value));
        return this;
    }

    public GgufWriter f32(String key, float value) {
        metadata.put(key, new F32(value));
        return this;
    }

    public GgufWriter bool(String key, boolean value) {
        metadata.put(key, new Bool(value));
        return this;
    }

    public GgufWriter strings(String key, List<String> values) {
        metadata.put(key, new Strings(List.copyOf(values)));
        return this;
    }

    public GgufWriter ints(String key, int[] values) {
        metadata.put(key, new Ints(values.clone()));
        return this;
    }

    public GgufWriter floats(String key, float[] values) {
        metadata.put(key, new Floats(values.clone()));
        return this;
    }

    /** Adds a tensor; {@code dims} in ggml order (fastest-varying first, i.e. a numpy shape reversed). */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, TensorData data) {
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        tensors.add(new Tensor(name, type, dims.clone(), type.bytes(elements), data));
        return this;
    }

    /** Writes everything to {@code file} (through a temporary file in the same folder, renamed when done). */
    public void write(Path file) throws IOException {
        writeFile(file, metadata, tensors);
    }

    /**
     * Writes the model split as llama.cpp's gguf-split does: {@code {prefix}-00001-of-0000N.gguf} holds the metadata
     * and the first tensors, each later shard only the split keys and its tensors ({@code split.no}, {@code split.count}
     * as u16, {@code split.tensors.count}); llama.cpp opens the set from the first. Returns the shards in order.
     */
    public List<Path> writeSplit(Path folder, String prefix, int parts) throws IOException {
        if (parts < 2 || parts > tensors.size()) {
            throw new IllegalArgumentException("split into 2 to " + tensors.size() + " parts, not " + parts);
        }
        List<Path> shards = new ArrayList<>();
        int per = (tensors.size() + parts - 1) / parts;
        for (int k = 0; k < parts; k++) {
            Map<String, Meta> meta = new LinkedHashMap<>(k == 0 ? metadata : Map.of());
            meta.put("split.no", new U16(k));
            meta.put("split.count", new U16(parts));
            meta.put("split.tensors.count", new I32(tensors.size()));
            Path shard = folder.resolve("%s-%05d-of-%05d.gguf".formatted(prefix, k + 1, parts));
            writeFile(shard, meta, tensors.subList(Math.min(tensors.size(), k * per), Math.min(tensors.size(), (k + 1) * per)));
            shards.add(shard);
        }
        return shards;
    }

    private static void writeFile(Path file, Map<String, Meta> metadata, List<Tensor> tensors) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // A name of our own (not createTempFile: that makes the file private to its owner, unlike a model file).
        Path temp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".part");
        try {
            try (Out out = new Out(new BufferedOutputStream(Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 20))) {
                writeTo(out, metadata, tensors);
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeTo(Out out, Map<String, Meta> metadata, List<Tensor> tensors) throws IOException {
        out.i32(0x46554747); // "GGUF"
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, Meta> e : metadata.entrySet()) {
            out.string(e.getKey());
            writeValue(out, e.getValue());
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.i32(t.dims().length);
            for (long d : t.dims()) {
                out.i64(d);
            }
            out.i32(t.type().code);
            out.i64(offset);
            offset = align(offset + t.bytes());
        }
        out.pad();
        for (Tensor t : tensors) {
            long start = out.written;
            t.data().writeTo(out, t.bytes());
            if (out.written - start != t.bytes()) {
                throw new IllegalStateException("tensor " + t.name() + " wrote " + (out.written - start)
                        + " bytes, expected " + t.bytes());
            }
            out.pad();
        }
    }

    private static void writeValue(Out out, Meta value) throws IOException {
        switch (value) {
            case Str s -> {
                out.i32(GgufValueType.STRING.ordinal());
                out.string(s.value());
            }
            case U16 u -> {
                out.i32(GgufValueType.UINT16.ordinal());
                out.write(u.value() & 0xff);
                out.write((u.value() >>> 8) & 0xff);
            }
            case I32 i -> {
                out.i32(GgufValueType.INT32.ordinal());
                out.i32(i.value());
            }
            case U32 u -> {
                out.i32(GgufValueType.UINT32.ordinal());
                out.i32(u.value());
            }
            case F32 f -> {
                out.i32(GgufValueType.FLOAT32.ordinal());
                out.i32(Float.floatToRawIntBits(f.value()));
            }
            case Bool b -> {
                out.i32(GgufValueType.BOOL.ordinal());
                out.write(b.value() ? 1 : 0);
            }
            case Strings a -> {
                out.arrayHeader(GgufValueType.STRING, a.values().size());
                for (String s : a.values()) {
                    out.string(s);
                }
            }
            case Ints a -> {
                out.arrayHeader(GgufValueType.INT32, a.values().length);
                for (int v : a.values()) {
                    out.i32(v);
                }
            }
            case Floats a -> {
                out.arrayHeader(GgufValueType.FLOAT32, a.values().length);
                for (float v : a.values()) {
                    out.i32(Float.floatToRawIntBits(v));
                }
            }
        }
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Little-endian output that counts its bytes (for alignment and for checking tensor sizes). */
    private static final class Out extends OutputStream {
        private final OutputStream out;
        long written;

        Out(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written += len;
        }

        @Override
        public void close() throws IOException {
            out.close();
        }

        void i32(int v) throws IOException {
            write(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}, 0, 4);
        }

        void i64(long v) throws IOException {
            i32((int) v);
            i32((int) (v >>> 32));
        }

        void string(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            i64(bytes.length);
            write(bytes, 0, bytes.length);
        }

        void arrayHeader(GgufValueType element, long count) throws IOException {
            i32(GgufValueType.ARRAY.ordinal());
            i32(element.ordinal());
            i64(count);
        }

        void pad() throws IOException {
            while (written % ALIGNMENT != 0) {
                write(0);
            }
        }
    }
}
