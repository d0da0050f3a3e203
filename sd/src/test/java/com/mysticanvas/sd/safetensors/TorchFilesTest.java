package com.mysticanvas.sd.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.sd.testing.TestResources;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restricted pickle reader on files torch 1.13 wrote with {@code torch.save} (resources {@code torch/}, made by
 * a script run here): a Lightning-style checkpoint with f32, f16, bf16, int64, a scalar and views into a shared
 * storage; an A1111 embedding; a transposed tensor; and a pickle that would run {@code os.system}.
 */
class TorchFilesTest {
    @TempDir
    Path dir;

    private Path resource(String name) throws Exception {
        return TestResources.copy("/torch", name, dir);
    }

    @Test
    void aCheckpointsTensorsAreReadInPlaceWithTorchsValues() throws Exception {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/torch/checkpoint.json")) {
            expected = Json.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        try (SafeTensors st = SafeTensors.open(resource("checkpoint.ckpt"))) {
            assertThat(st.tensors().keySet()).as("the state_dict, unwrapped").containsExactly("model.layer.weight",
                    "model.layer.half", "model.layer.bf16", "model.scalar", "model.ints", "model.slice", "model.shared");
            assertThat(st.tensor("model.layer.half").dtype()).isEqualTo(DType.F16);
            assertThat(st.tensor("model.layer.bf16").dtype()).isEqualTo(DType.BF16);
            assertThat(st.tensor("model.ints").dtype()).isEqualTo(DType.I64);
            assertThat(st.tensor("model.scalar").shape()).isEmpty();
            expected.properties().forEach(e -> {
                TensorInfo t = st.tensor(e.getKey());
                JsonNode shape = e.getValue().path("shape");
                assertThat(t.shape()).hasSize(shape.size());
                for (int i = 0; i < shape.size(); i++) {
                    assertThat(t.dim(i)).isEqualTo(shape.get(i).asLong());
                }
                if (t.dtype().isWeight()) {
                    float[] got = st.floats(t);
                    JsonNode want = e.getValue().path("values");
                    assertThat(got).hasSize(want.size());
                    for (int i = 0; i < got.length; i++) {
                        assertThat(got[i]).as("%s[%d]", e.getKey(), i).isEqualTo((float) want.get(i).asDouble());
                    }
                }
            });
        }
    }

    @Test
    void anA1111EmbeddingHoldsItsOneTensor() throws Exception {
        try (SafeTensors st = SafeTensors.open(resource("embedding.pt"))) {
            assertThat(st.tensors().keySet()).containsExactly("string_to_param.*");
            assertThat(st.tensor("string_to_param.*").shape()).containsExactly(2, 8);
        }
    }

    @Test
    void codeTheStridedAndTheOldFormatAreRefusedNamingTheFile() throws Exception {
        Path evil = resource("evil.pt");
        assertThatThrownBy(() -> SafeTensors.open(evil)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith("evil.pt").hasMessageContaining("asks to call posix.system")
                .hasMessageContaining("only tensors are read");
        Path transposed = resource("transposed.pth");
        assertThatThrownBy(() -> SafeTensors.open(transposed)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith("transposed.pth").hasMessageContaining("strided");
        Path old = Files.write(dir.resolve("old.ckpt"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertThatThrownBy(() -> SafeTensors.open(old)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith("old.ckpt").hasMessageContaining("not a torch zip file");
        byte[] zip = Files.readAllBytes(resource("checkpoint.ckpt"));
        Path cut = Files.write(dir.resolve("cut.ckpt"), java.util.Arrays.copyOf(zip, zip.length / 2));
        assertThatThrownBy(() -> SafeTensors.open(cut)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith("cut.ckpt");
        assertThatThrownBy(() -> SafeTensors.open(dir.resolve("absent.ckpt"))).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("not found");
    }
}
