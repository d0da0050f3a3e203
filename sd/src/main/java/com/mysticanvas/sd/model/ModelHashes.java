package com.mysticanvas.sd.model;

import com.mysticanvas.core.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hashes A1111 writes into an infotext, which civitai reads to link an image to the models that made it:
 * {@code Model hash} and {@code VAE hash} are a file's SHA-256 cut to 10 hex digits ("AutoV2"), {@code TI hashes} an
 * embedding file's SHA-256 cut to 12, and {@code Lora hashes} the SHA-256 of a safetensors file's tensor bytes alone
 * (without its header, A1111's {@code addnet_hash_safetensors}; the whole file for a pickle) cut to 12. Each file is
 * read once per size and modification time (a checkpoint takes seconds).
 */
public final class ModelHashes {
    private record Key(Path path, long size, long modified, boolean bodyOnly) {}

    private static final Map<Key, String> CACHE = new ConcurrentHashMap<>();

    private ModelHashes() {}

    /** A checkpoint's or VAE's AutoV2 hash: the first 10 hex digits of the file's SHA-256. */
    public static String autoV2(Path file) throws IOException {
        return sha256(file, false).substring(0, 10);
    }

    /** An embedding's hash as A1111's {@code TI hashes} has it: the first 12 hex digits of the file's SHA-256. */
    public static String embedding(Path file) throws IOException {
        return sha256(file, false).substring(0, 12);
    }

    /** A LoRA's hash as A1111's {@code Lora hashes} has it: the first 12 hex digits of its tensor bytes' SHA-256. */
    public static String lora(Path file) throws IOException {
        return sha256(file, file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors"))
                .substring(0, 12);
    }

    /** The file's SHA-256, or of what follows a safetensors header ({@code bodyOnly}), from the cache when unchanged. */
    static String sha256(Path file, boolean bodyOnly) throws IOException {
        Path real = file.toRealPath();
        Key key = new Key(real, Files.size(real), Files.getLastModifiedTime(real).toMillis(), bodyOnly);
        String cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        String hex;
        try (InputStream in = Files.newInputStream(real)) {
            if (bodyOnly) {
                byte[] length = in.readNBytes(8);
                long header = length.length == 8 ? ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
                in.skipNBytes(Math.max(0, Math.min(header, key.size() - 8)));
            }
            hex = Sha256.of(in);
        }
        CACHE.put(key, hex);
        return hex;
    }
}
