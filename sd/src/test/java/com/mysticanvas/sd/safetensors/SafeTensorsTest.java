package com.mysticanvas.sd.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsF32F16Bf16() throws Exception {
        Path f = dir.resolve("m.safetensors");
        float[] values = {1.5f, -2.25f, 0.125f, 3f, 1000f, -0.5f};
        SafeTensorsWriter.write(f, List.of(
                SafeTensorsWriter.floats("a", DType.F32, new long[] {2, 3}, values),
                SafeTensorsWriter.floats("b", DType.F16, new long[] {6}, values),
                SafeTensorsWriter.floats("c", DType.BF16, new long[] {3, 2}, values)), Map.of("k", "v"));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.metadata()).containsEntry("k", "v");
            assertThat(st.tensors()).containsOnlyKeys("a", "b", "c");
            assertThat(st.floats("a")).containsExactly(values);
            assertThat(st.floats("b")).containsExactly(values); // all exact in f16
            assertThat(st.floats("c")).containsExactly(values); // and in bf16
            assertThat(st.tensor("a").shape()).containsExactly(2, 3);
            assertThat(st.tensor("a").offset() % 8).isZero();
            assertThatThrownBy(() -> st.tensor("zzz")).isInstanceOf(ModelFileException.class)
                    .hasMessageContaining("m.safetensors").hasMessageContaining("'zzz' is missing");
        }
    }

    @Test
    void truncatedFileIsRefused() throws Exception {
        Path f = dir.resolve("t.safetensors");
        SafeTensorsWriter.write(f, List.of(SafeTensorsWriter.floats("a", DType.F32, new long[] {100}, new float[100])), null);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 10));
        assertRefused(f, "t.safetensors", "truncated or lying header");
        Files.write(f, Arrays.copyOf(all, 20));
        assertRefused(f, "t.safetensors", "truncated");
        Files.write(f, new byte[3]);
        assertRefused(f, "t.safetensors", "shorter than the 8-byte header length");
    }

    @Test
    void lyingOrCorruptHeadersAreRefused() throws Exception {
        assertHeaderRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", 16, "need 16 bytes");
        assertHeaderRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16, "overlap");
        assertHeaderRefused("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype");
        assertHeaderRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "non-negative");
        assertHeaderRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "absurdly large");
        assertHeaderRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "ascending");
        assertHeaderRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "data_offsets");
        assertHeaderRefused("{not json", 8, "not valid JSON");
        assertHeaderRefused("[1,2]", 8, "not a JSON object");
    }

    @Test
    void absurdHeaderLengthIsRefusedWithoutAllocating() throws Exception {
        Path f = dir.resolve("h.safetensors");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 3).array());
        assertRefused(f, "h.safetensors", "header length");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(50L << 20).array());
        assertRefused(f, "h.safetensors", "truncated");
    }

    @Test
    void anAbsentFileIsNamed() {
        assertRefused(dir.resolve("absent.safetensors"), "absent.safetensors", "not found");
    }

    private void assertHeaderRefused(String header, int dataBytes, String problem) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(f, b.array());
        assertRefused(f, "bad.safetensors", problem);
    }

    private static void assertRefused(Path f, String name, String problem) {
        assertThatThrownBy(() -> SafeTensors.open(f)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith(name + ": ").hasMessageContaining(problem);
    }
}
