package com.mysticanvas.sd.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped {@code .safetensors} file: 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and data offsets, then the raw little-endian data. The header is checked in full
 * before anything is mapped, so a file that lies about its sizes is refused with a message, never read
 * past its end. Closing unmaps the file at once (the mapping lives in its own arena).
 */
public final class SafeTensors implements AutoCloseable {
    /** The reference implementation's limit; real checkpoints need about 100 kB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final int MAX_RANK = 8;
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final Arena arena;
    private final MemorySegment file;

    private SafeTensors(Path path, Map<String, TensorInfo> tensors, Map<String, String> metadata, Arena arena,
                        MemorySegment file) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
        this.arena = arena;
        this.file = file;
    }

    /**
     * Opens and validates a file; a bad file throws {@link ModelFileException} naming it and the problem. Pickle
     * files ({@code .ckpt}, {@code .pt}, {@code .pth}, {@code .bin}) are read by {@link #openTorch}.
     */
    public static SafeTensors open(Path path) throws IOException {
        String name = path.getFileName().toString();
        if (isTorchFile(name)) {
            return openTorch(path);
        }
        FileChannel channel = channel(path);
        try (channel) {
            long size = channel.size();
            if (size < 8) {
                throw new ModelFileException(name, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 1 || headerLength > MAX_HEADER_BYTES) {
                throw new ModelFileException(name, "not a safetensors file: header length " + Long.toUnsignedString(headerLength)
                        + " is outside 2.." + MAX_HEADER_BYTES);
            }
            if (headerLength > size - 8) {
                throw new ModelFileException(name, "truncated: header says " + headerLength + " bytes but the file has "
                        + (size - 8) + " after the length");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            long dataStart = 8 + headerLength;
            Parsed parsed = parseHeader(name, new String(header.array(), StandardCharsets.UTF_8), dataStart, size - dataStart);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafeTensors(path, parsed.tensors, parsed.metadata, arena, mapped);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    private record Parsed(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

    /** The file opened for reading; a missing one is a {@link ModelFileException} naming it. */
    private static FileChannel channel(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(path.getFileName().toString(), "file not found");
        }
    }

    /** True for the extensions of torch's pickle files. */
    public static boolean isTorchFile(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin");
    }

    /**
     * A {@code torch.save} file (zip format, torch 1.6 and later) read by the restricted pickle reader: only its
     * tensors, mapped in place from their storages, as {@code torch.load(weights_only=True)} would rebuild them; a
     * file whose pickle names anything else is refused unrun. Tensors must be stored contiguously.
     */
    private static SafeTensors openTorch(Path path) throws IOException {
        String name = path.getFileName().toString();
        FileChannel channel = channel(path);
        Arena arena = Arena.ofShared();
        try (channel) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            if (!TorchZip.isZip(mapped)) {
                throw new ModelFileException(name, "not a torch zip file (an old pre-1.6 torch format, or not a model "
                        + "at all): re-save it with a current torch, or use its .safetensors version");
            }
            Map<String, TorchZip.Entry> entries = TorchZip.entries(name, mapped);
            String pickle = entries.keySet().stream().filter(k -> k.endsWith("/data.pkl") || k.equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new ModelFileException(name, "a zip without data.pkl: not a torch file"));
            String archive = pickle.substring(0, pickle.length() - "data.pkl".length());
            TorchZip.Entry p = entries.get(pickle);
            byte[] bytes = mapped.asSlice(p.offset(), p.length()).toArray(ValueLayout.JAVA_BYTE);
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            TorchPickle.tensors(TorchPickle.read(name, bytes)).forEach((key, t) -> {
                TorchZip.Entry storage = entries.get(archive + "data/" + t.storage());
                if (storage == null) {
                    throw new ModelFileException(name, "tensor '" + key + "' refers to storage " + t.storage() + ", which is missing");
                }
                long elements = TensorInfo.elements(t.size());
                long expected = 1;
                for (int i = t.size().length - 1; i >= 0; i--) {
                    if (t.size()[i] != 1 && t.stride()[i] != expected) {
                        throw new ModelFileException(name, "tensor '" + key + "' is stored strided (a transposed or "
                                + "sliced view): only contiguous tensors can be read in place");
                    }
                    expected *= t.size()[i];
                }
                long start = t.offset() * t.dtype().bytes();
                long length = elements * t.dtype().bytes();
                if (start < 0 || start + length > storage.length()) {
                    throw new ModelFileException(name, "tensor '" + key + "' runs past the end of its storage");
                }
                tensors.put(key, new TensorInfo(key, t.dtype(), t.size(), storage.offset() + start, length));
            });
            return new SafeTensors(path, Collections.unmodifiableMap(tensors), Map.of(), arena, mapped);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Validates the JSON header: known dtypes, sane shapes, sizes that match, offsets inside the data, no overlaps. */
    static Parsed parseHeader(String name, String json, long dataStart, long dataLength) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json.strip());
        } catch (JsonProcessingException e) {
            throw new ModelFileException(name, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ModelFileException(name, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("__metadata__")) {
                if (v.isObject()) {
                    v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                }
                continue;
            }
            tensors.put(key, tensorInfo(name, key, v, dataStart, dataLength));
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (previous != null && t.length() > 0 && t.offset() < previous.offset() + previous.length()) {
                throw new ModelFileException(name, "tensors '" + previous.name() + "' and '" + t.name() + "' overlap");
            }
            if (t.length() > 0) {
                previous = t;
            }
        }
        return new Parsed(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo tensorInfo(String file, String key, JsonNode v, long dataStart, long dataLength) {
        String where = "tensor '" + key + "'";
        if (!v.isObject()) {
            throw new ModelFileException(file, where + ": entry is not an object");
        }
        DType dtype = DType.parse(v.path("dtype").asText(""));
        if (dtype == null) {
            throw new ModelFileException(file, where + ": unknown dtype '" + v.path("dtype").asText() + "'");
        }
        JsonNode shapeNode = v.path("shape");
        if (!shapeNode.isArray() || shapeNode.size() > MAX_RANK) {
            throw new ModelFileException(file, where + ": shape must be an array of at most " + MAX_RANK + " dimensions");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ModelFileException(file, where + ": dimension " + i + " is not a non-negative integer: " + d);
            }
            shape[i] = d.asLong();
        }
        JsonNode offsets = v.path("data_offsets");
        if (!offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber() || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new ModelFileException(file, where + ": data_offsets must be two integers");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new ModelFileException(file, where + ": data_offsets [" + begin + ", " + end + "] are not an ascending range");
        }
        if (end > dataLength) {
            throw new ModelFileException(file, where + ": data ends at byte " + end + " but the file holds only "
                    + dataLength + " bytes of data (truncated or lying header)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(TensorInfo.elements(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new ModelFileException(file, where + ": shape is absurdly large");
        }
        if (bytes != end - begin) {
            throw new ModelFileException(file, where + ": shape and dtype need " + bytes + " bytes but data_offsets give "
                    + (end - begin));
        }
        return new TensorInfo(key, dtype, shape, dataStart + begin, bytes);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            position += n;
        }
    }

    public Path path() {
        return path;
    }

    /** The file name, as messages and the API call it. */
    public String fileName() {
        return path.getFileName().toString();
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean has(String key) {
        return tensors.containsKey(key);
    }

    /** The tensor, or a {@link ModelFileException} saying which one is missing. */
    public TensorInfo tensor(String key) {
        TensorInfo t = tensors.get(key);
        if (t == null) {
            throw new ModelFileException(fileName(), "tensor '" + key + "' is missing");
        }
        return t;
    }

    /** The raw bytes of a tensor inside the mapping (no copy). */
    public MemorySegment data(TensorInfo t) {
        return file.asSlice(t.offset(), t.length());
    }

    /** A weight tensor converted to f32 (a copy). */
    public float[] floats(String key) {
        return floats(tensor(key));
    }

    public float[] floats(TensorInfo t) {
        if (!t.dtype().isWeight()) {
            throw new ModelFileException(fileName(), "tensor '" + t.name() + "' has dtype " + t.dtype() + ", not a float type");
        }
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFileException(fileName(), "tensor '" + t.name() + "' is too large to convert");
        }
        float[] out = new float[(int) n];
        MemorySegment data = data(t);
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(data, FLOAT_LE, 0, out, 0, out.length);
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.float16ToFloat(data.getAtIndex(SHORT_LE, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((data.getAtIndex(SHORT_LE, i) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException();
        }
        return out;
    }

    /**
     * The same file with its tensors under other names ({@code rename} gives each key's new name, or the key):
     * the returned view takes over the mapping, and closing either closes both.
     */
    public SafeTensors renamed(java.util.function.UnaryOperator<String> rename) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        tensors.forEach((key, t) -> {
            String name = rename.apply(key);
            out.put(name, new TensorInfo(name, t.dtype(), t.shape(), t.offset(), t.length()));
        });
        return new SafeTensors(path, Collections.unmodifiableMap(out), metadata, arena, file);
    }

    /** Unmaps the file. Segments handed out before become unusable. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
