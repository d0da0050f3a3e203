package com.mysticanvas.sd.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A1111's hashes by their definitions (its hashes.py and the Lora extension's addnet hash). */
class ModelHashesTest {
    @TempDir
    Path dir;

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void autoV2IsTheFilesSha256CutToTenAndALorasHashSkipsTheSafetensorsHeader() throws Exception {
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        byte[] data = {1, 2, 3, 4};
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header).put(data);
        Path lora = Files.write(dir.resolve("detail.safetensors"), file.array());
        assertThat(ModelHashes.autoV2(lora)).isEqualTo(sha256(file.array()).substring(0, 10));
        assertThat(ModelHashes.lora(lora)).as("the tensor bytes alone").isEqualTo(sha256(data).substring(0, 12));
        assertThat(ModelHashes.embedding(lora)).isEqualTo(sha256(file.array()).substring(0, 12));
        Path pickle = Files.write(dir.resolve("old.pt"), data);
        assertThat(ModelHashes.lora(pickle)).as("a pickle: the whole file").isEqualTo(sha256(data).substring(0, 12));

        byte[] changed = file.array().clone();
        changed[changed.length - 1] = 9;
        Files.write(lora, changed);
        Files.setLastModifiedTime(lora, FileTime.fromMillis(Files.getLastModifiedTime(lora).toMillis() + 5000));
        assertThat(ModelHashes.autoV2(lora)).as("a changed file is read again").isEqualTo(sha256(changed).substring(0, 10));
    }
}
