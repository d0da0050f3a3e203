package com.mysticanvas.llm.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufReaderTest {
    @TempDir
    Path dir;

    private Path writeSample() throws IOException {
        Path file = dir.resolve("sample.gguf");
        new GgufWriter()
                .string("general.architecture", "llama")
                .string("general.name", "Sample Ü")
                .u32("general.file_type", 7)
                .u32("llama.context_length", 8192)
                .u32("llama.pooling_type", 1)
                .bool("some.flag", true)
                .f32("some.float", 0.5f)
                .strings("tokenizer.ggml.tokens", List.of("a", "b", "c"))
                .ints("tokenizer.ggml.token_type", new int[] {1, 1, 3})
                .floats("some.floats", new float[] {1, 2})
                .string("tokenizer.chat_template", "{{ messages }}")
                .tensor("w", GgmlType.Q8_0, new long[] {64, 3}, (out, bytes) -> out.write(new byte[(int) bytes]))
                .tensor("n", GgmlType.F32, new long[] {5}, (out, bytes) -> out.write(new byte[(int) bytes]))
                .write(file);
        return file;
    }

    @Test
    void writerAndReaderAgree() throws IOException {
        GgufInfo info = GgufReader.read(writeSample());
        assertThat(info.fileName()).isEqualTo("sample.gguf");
        assertThat(info.name()).isEqualTo("Sample Ü");
        assertThat(info.architecture()).isEqualTo("llama");
        assertThat(info.contextLength()).isEqualTo(8192);
        assertThat(info.quantization()).isEqualTo("Q8_0");
        assertThat(info.poolingType()).isEqualTo(1);
        assertThat(info.parameterCount()).isEqualTo(64 * 3 + 5);
        assertThat(info.tensorCount()).isEqualTo(2);
        assertThat(info.chatTemplate()).isEqualTo("{{ messages }}");
        assertThat(info.metadata()).containsEntry("some.flag", true).containsEntry("some.float", 0.5)
                .containsEntry("tokenizer.ggml.tokens", 3L);
        // Data section: header padded to 32, tensor 1 is 2 blocks of 34 bytes padded to 96, then 20 bytes.
        assertThat(info.fileSize() % 32).isZero();
    }

    @Test
    void quantizationFallsBackToTheCommonestTensorType() throws IOException {
        Path file = dir.resolve("untyped.gguf");
        new GgufWriter().string("general.architecture", "llama")
                .tensor("big", GgmlType.F16, new long[] {100}, (out, bytes) -> out.write(new byte[(int) bytes]))
                .tensor("small", GgmlType.F32, new long[] {10}, (out, bytes) -> out.write(new byte[(int) bytes]))
                .write(file);
        assertThat(GgufReader.read(file).quantization()).isEqualTo("F16");
    }

    @Test
    void emptyOrForeignFilesAreRefusedWithAReason() throws IOException {
        assertRejected(new byte[0], "too short");
        assertRejected("PK\3\4 this is a zip file, not a model at all".getBytes(), "not a GGUF file");
        byte[] sample = Files.readAllBytes(writeSample());
        byte[] v1 = sample.clone();
        v1[4] = 1;
        assertRejected(v1, "unsupported GGUF version 1");
        byte[] bigEndian = sample.clone();
        bigEndian[4] = 0;
        bigEndian[7] = 3;
        assertRejected(bigEndian, "big-endian");
    }

    @Test
    void truncatedFilesAreRefusedAtEveryLength() throws IOException {
        byte[] sample = Files.readAllBytes(writeSample());
        int dataEnd = sample.length - 12; // the last tensor's 20 bytes are padded to 32
        for (int length = 24; length < dataEnd; length += 7) {
            byte[] cut = Arrays.copyOf(sample, length);
            Path file = dir.resolve("cut.gguf");
            Files.write(file, cut);
            assertThatThrownBy(() -> GgufReader.read(file)).as("length %d", length)
                    .isInstanceOf(GgufFormatException.class);
        }
    }

    @Test
    void hugeCountsAreCaughtBeforeAllocating() throws IOException {
        byte[] sample = Files.readAllBytes(writeSample());
        byte[] kvs = sample.clone();
        ByteBuffer.wrap(kvs).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 62);
        assertRejected(kvs, "metadata count");
        byte[] key = sample.clone();
        ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).putLong(24, -1L);
        assertRejected(key, "length of metadata key 0");
    }

    @Test
    void randomBitFlipsNeverEscapeAsAnythingButAFormatError() throws IOException {
        byte[] sample = Files.readAllBytes(writeSample());
        Random random = new Random(7);
        Path file = dir.resolve("flipped.gguf");
        int header = 500; // flips land in the header, where the reader looks
        for (int i = 0; i < 300; i++) {
            byte[] flipped = sample.clone();
            for (int f = 0; f <= random.nextInt(4); f++) {
                int at = random.nextInt(Math.min(header, flipped.length));
                flipped[at] ^= (byte) (1 << random.nextInt(8));
            }
            Files.write(file, flipped);
            try {
                GgufReader.read(file);
            } catch (GgufFormatException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    private void assertRejected(byte[] content, String reason) throws IOException {
        Path file = dir.resolve("bad.gguf");
        Files.write(file, content);
        assertThatThrownBy(() -> GgufReader.read(file)).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining(reason);
    }
}
