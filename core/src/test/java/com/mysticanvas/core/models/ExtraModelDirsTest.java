package com.mysticanvas.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.models.ModelFolders.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Other tools' folders, laid out as A1111, ComfyUI, LM Studio and the Hugging Face cache lay them out. */
class ExtraModelDirsTest {
    @TempDir
    Path root;

    private Path file(String path) throws Exception {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, path);
        return p;
    }

    @Test
    void eachToolsLayoutIsReadAndOurFolderWinsAClash() throws Exception {
        file("ours/llm/shared.gguf");
        file("a1111/models/Stable-diffusion/dreamshaper_8.safetensors");
        file("a1111/models/Stable-diffusion/SDXL/juggernaut.safetensors"); // A1111 allows subfolders
        file("a1111/models/Lora/detail.safetensors");
        file("a1111/models/VAE/vae-ft-mse.safetensors");
        file("a1111/models/ESRGAN/4x-UltraSharp.pth");
        file("a1111/embeddings/easynegative.safetensors");
        file("a1111/venv/lib/site-packages/x.gguf");
        file("comfy/models/checkpoints/flux.safetensors");
        file("comfy/models/loras/style.safetensors");
        file("comfy/models/upscale_models/RealESRGAN_x4plus.pth");
        file("lmstudio/lmstudio-community/Qwen3-8B-GGUF/Qwen3-8B-Q4_K_M.gguf");
        file("lmstudio/lmstudio-community/Qwen3-8B-GGUF/mmproj-Qwen3-8B-F16.gguf");
        file("lmstudio/other/shared.gguf");
        Path blob = file("hf/models--org--tiny-GGUF/blobs/0123abcd");
        Path snapshot = root.resolve("hf/models--org--tiny-GGUF/snapshots/" + "f".repeat(40) + "/tiny-Q8_0.gguf");
        Files.createDirectories(snapshot.getParent());
        Files.createSymbolicLink(snapshot, blob);

        ModelFolders f = new ModelFolders(root.resolve("ours"), List.of(root.resolve("a1111"), root.resolve("comfy/models"),
                root.resolve("lmstudio"), root.resolve("hf"), root.resolve("missing")));
        assertThat(names(f.list(Kind.CHECKPOINT))).containsExactly("dreamshaper_8.safetensors", "flux.safetensors", "juggernaut.safetensors");
        assertThat(names(f.list(Kind.LORA))).containsExactly("detail.safetensors", "style.safetensors");
        assertThat(names(f.list(Kind.VAE))).containsExactly("vae-ft-mse.safetensors");
        assertThat(names(f.list(Kind.UPSCALER))).containsExactly("4x-UltraSharp.pth", "RealESRGAN_x4plus.pth");
        assertThat(names(f.list(Kind.EMBEDDING))).containsExactly("easynegative.safetensors");
        assertThat(names(f.list(Kind.LLM))).containsExactly("Qwen3-8B-Q4_K_M.gguf", "shared.gguf", "tiny-Q8_0.gguf");

        assertThat(f.resolve(Kind.LLM, "shared.gguf")).isEqualTo(root.resolve("ours/llm/shared.gguf"));
        assertThat(f.resolve(Kind.LLM, "tiny-Q8_0")).isEqualTo(snapshot);
        assertThat(f.resolve(Kind.CHECKPOINT, "juggernaut")).isEqualTo(root.resolve("a1111/models/Stable-diffusion/SDXL/juggernaut.safetensors"));
        assertThat(f.resolve(Kind.UPSCALER, "4x-UltraSharp.pth")).isEqualTo(root.resolve("a1111/models/ESRGAN/4x-UltraSharp.pth"));
        assertThatThrownBy(() -> f.resolve(Kind.LLM, "x.gguf")).hasMessageContaining("or the extra model folders");
        assertThatThrownBy(() -> f.resolve(Kind.CHECKPOINT, "SDXL/juggernaut.safetensors")).hasMessageContaining("not a file name");
    }

    @Test
    void ollamasPulledModelsAreListedByTheirNamesAndResolveToTheirBlobs() throws Exception {
        String digest = "a".repeat(64);
        Path blob = file("ollama/blobs/sha256-" + digest);
        file("ollama/blobs/sha256-" + "b".repeat(64));
        String manifest = "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:"
                + digest + "\",\"size\":9},{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"sha256:" + "b".repeat(64) + "\"}]}";
        Files.writeString(file("ollama/manifests/registry.ollama.ai/library/llama3.2/latest"), manifest);
        Files.writeString(file("ollama/manifests/hf.co/bartowski/Qwen3-8B-GGUF/Q4_K_M"), manifest);
        Files.writeString(file("ollama/manifests/registry.ollama.ai/library/broken/latest"), "{not json");

        ModelFolders f = new ModelFolders(root.resolve("ours"), List.of(root.resolve("ollama")));
        assertThat(f.named(Kind.LLM)).containsOnlyKeys("llama3.2-latest.gguf", "hf.co-bartowski-Qwen3-8B-GGUF-Q4_K_M.gguf")
                .containsEntry("llama3.2-latest.gguf", blob);
        assertThat(f.find(Kind.LLM, "llama3.2-latest")).isEqualTo(new ModelFolders.Named("llama3.2-latest.gguf", blob));
        assertThat(f.find(Kind.LLM, "llama3.2:latest")).as("as Ollama's clients name it").isEqualTo(f.find(Kind.LLM, "llama3.2"))
                .isEqualTo(new ModelFolders.Named("llama3.2-latest.gguf", blob));
        assertThat(f.find(Kind.LLM, "hf.co-bartowski-Qwen3-8B-GGUF:Q4_K_M").path()).isEqualTo(blob);
    }

    private static List<String> names(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).toList();
    }
}
