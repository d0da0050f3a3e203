package com.mysticanvas.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFoldersTest {
    @TempDir
    Path root;

    private ModelFolders folders() throws Exception {
        Files.createDirectories(root.resolve("models/llm"));
        Files.createDirectories(root.resolve("models/sd/loras"));
        Files.writeString(root.resolve("models/llm/tiny.gguf"), "x");
        Files.writeString(root.resolve("models/llm/.hidden.gguf"), "x");
        Files.writeString(root.resolve("models/llm/notes.txt"), "x");
        Files.writeString(root.resolve("models/sd/loras/style.safetensors"), "x");
        Files.writeString(root.resolve("secret.gguf"), "x");
        return new ModelFolders(root.resolve("models"));
    }

    @Test
    void aNameIsAFileInsideItsFolderAndGetsTheExtensionWhenItHasNone() throws Exception {
        ModelFolders f = folders();
        assertThat(f.resolve(Kind.LLM, "tiny.gguf")).isEqualTo(root.resolve("models/llm/tiny.gguf"));
        assertThat(f.resolve(Kind.LLM, "tiny")).isEqualTo(root.resolve("models/llm/tiny.gguf"));
        assertThat(f.resolve(Kind.LORA, "style")).isEqualTo(root.resolve("models/sd/loras/style.safetensors"));
        assertThat(f.list(Kind.LLM)).containsExactly(root.resolve("models/llm/tiny.gguf"));
        assertThat(f.list(Kind.VAE)).isEmpty();
    }

    @Test
    void pathsAreBadInputAndMissingFilesNotFound() throws Exception {
        ModelFolders f = folders();
        for (String name : new String[] {"../../secret.gguf", "/etc/passwd", "a\\b.gguf", ".hidden.gguf", "x\0.gguf",
                "a".repeat(300) + ".gguf", "", "\uD800.gguf"}) {
            assertThatThrownBy(() -> f.resolve(Kind.LLM, name)).as(name)
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
        }
        assertThatThrownBy(() -> f.resolve(Kind.LLM, "../../secret.gguf")).hasMessageContaining("not a file name")
                .hasMessageContaining("not by a path");
        assertThatThrownBy(() -> f.resolve(Kind.LLM, "notes.txt")).hasMessageContaining("not a .gguf file");
        assertThatThrownBy(() -> f.resolve(Kind.CHECKPOINT, "absent"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.NOT_FOUND))
                .hasMessageContaining("models/sd/checkpoints");
    }

    @Test
    void aLinkToAFileOnAnotherDiskIsFollowedButANameNeverIsAPath() throws Exception {
        ModelFolders f = folders();
        Files.createDirectories(root.resolve("other-disk"));
        Files.writeString(root.resolve("other-disk/big.gguf"), "GGUF");
        Files.createSymbolicLink(root.resolve("models/llm/linked.gguf"), root.resolve("other-disk/big.gguf"));
        assertThat(f.resolve(Kind.LLM, "linked")).isEqualTo(root.resolve("models/llm/linked.gguf"));
        assertThat(f.list(Kind.LLM)).extracting(p -> p.getFileName().toString()).contains("linked.gguf");
        assertThatThrownBy(() -> f.resolve(Kind.LLM, "../other-disk/big.gguf")).hasMessageContaining("not a file name");
    }

    @Test
    void laterShardsAndProjectorsAreNotListedAsLanguageModels() throws Exception {
        ModelFolders f = folders();
        for (String name : new String[] {"m-00001-of-00002.gguf", "m-00002-of-00002.gguf", "mmproj-m-f16.gguf"}) {
            Files.writeString(root.resolve("models/llm/" + name), "GGUF");
        }
        assertThat(f.list(Kind.LLM)).extracting(p -> p.getFileName().toString()).contains("m-00001-of-00002.gguf")
                .doesNotContain("m-00002-of-00002.gguf", "mmproj-m-f16.gguf");
        assertThat(ModelFolders.isListedModel(Kind.CHECKPOINT, "x-00002-of-00002.gguf")).isTrue();
    }

    @Test
    void aModelFieldThatIsNotResolvedStillRefusesPaths() {
        ModelFolders.requirePlainName("model", "gpt-4.1-mini");
        ModelFolders.requirePlainName("model", null);
        assertThatThrownBy(() -> ModelFolders.requirePlainName("model", "../../etc/passwd"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("'model'");
    }
}
