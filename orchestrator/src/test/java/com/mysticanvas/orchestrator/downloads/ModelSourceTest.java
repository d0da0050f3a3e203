package com.mysticanvas.orchestrator.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The source forms users paste, read as Ollama, llama.cpp, the Hub's and civitai's pages name models. */
class ModelSourceTest {
    @Test
    void huggingFaceNamesAndUrls() {
        assertThat(ModelSource.parse("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"))
                .isEqualTo(new ModelSource.HuggingFace("bartowski/Llama-3.2-1B-Instruct-GGUF", "main", "Q4_K_M", null));
        assertThat(ModelSource.parse("huggingface.co/unsloth/Qwen3-8B-GGUF"))
                .isEqualTo(new ModelSource.HuggingFace("unsloth/Qwen3-8B-GGUF", "main", null, null));
        assertThat(ModelSource.parse("https://huggingface.co/stabilityai/sdxl-vae/resolve/main/sdxl_vae.safetensors?download=true"))
                .isEqualTo(new ModelSource.HuggingFace("stabilityai/sdxl-vae", "main", null, "sdxl_vae.safetensors"));
        assertThat(ModelSource.parse("https://huggingface.co/org/repo/blob/v1.0/sub/dir/m.gguf"))
                .isEqualTo(new ModelSource.HuggingFace("org/repo", "v1.0", null, "sub/dir/m.gguf"));
        assertThat(ModelSource.parse("https://huggingface.co/org/repo/tree/dev"))
                .isEqualTo(new ModelSource.HuggingFace("org/repo", "dev", null, null));
        assertThat(ModelSource.parse("hf.co/org/repo:IQ3_XXS@abc123").text()).isEqualTo("hf.co/org/repo:IQ3_XXS@abc123");
        assertThat(ModelSource.parse("https://huggingface.co/org/repo/").text()).isEqualTo("hf.co/org/repo");
    }

    @Test
    void civitaiAndPlainUrls() {
        assertThat(ModelSource.parse("https://civitai.com/models/4384/dreamshaper?modelVersionId=128713"))
                .isEqualTo(new ModelSource.Civitai(4384L, 128713L));
        assertThat(ModelSource.parse("https://civitai.com/models/4384")).isEqualTo(new ModelSource.Civitai(4384L, null));
        assertThat(ModelSource.parse("https://civitai.com/api/download/models/128713")).isEqualTo(new ModelSource.Civitai(null, 128713L));
        assertThat(ModelSource.parse("civitai:4384@128713")).isEqualTo(new ModelSource.Civitai(4384L, 128713L));
        assertThat(ModelSource.parse("civitai:version:128713")).isEqualTo(new ModelSource.Civitai(null, 128713L));
        assertThat(ModelSource.parse("https://example.org/files/4x-UltraSharp.pth"))
                .isInstanceOf(ModelSource.DirectUrl.class);
    }

    @Test
    void whatIsNoSourceIsABadInputThatSaysWhatIs() {
        for (String bad : List.of("", "llama3", "ftp://x/y.gguf", "hf.co/justone", "hf.co/org/repo:bad tag",
                "https://huggingface.co/org/repo/resolve/main/../../etc/passwd", "https://example.org/", "https://civitai.com/images/5")) {
            assertThatThrownBy(() -> ModelSource.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
        }
        assertThatThrownBy(() -> ModelSource.parse("llama3")).hasMessageContaining("hf.co/{user}/{repo}");
    }

    @Test
    void ggufChoiceFollowsLlamaCpp() {
        List<HubFiles.Entry> listing = List.of(entry("m-F16.gguf"), entry("m-Q8_0.gguf"), entry("m-Q4_K_M.gguf"),
                entry("mmproj-m-Q8_0.gguf"), entry("mmproj-m-F16.gguf"), entry("README.md"));
        assertThat(names(HubFiles.choose(listing, null, "r"))).containsExactly("m-Q4_K_M.gguf", "mmproj-m-F16.gguf");
        assertThat(names(HubFiles.choose(listing, "q8_0", "r"))).containsExactly("m-Q8_0.gguf", "mmproj-m-Q8_0.gguf");
        assertThat(names(HubFiles.choose(List.of(entry("a-F16.gguf"), entry("b-Q8_0.gguf")), null, "r"))).containsExactly("b-Q8_0.gguf");
        assertThat(names(HubFiles.choose(List.of(entry("b-F16.gguf"), entry("a-BF16.gguf")), null, "r"))).containsExactly("a-BF16.gguf");
        assertThatThrownBy(() -> HubFiles.choose(List.of(entry("x.safetensors")), null, "r")).hasMessageContaining("no GGUF");
        assertThat(HubFiles.quant("Qwen3-30B-A3B-UD-Q4_K_XL-00001-of-00002.gguf")).isEqualTo("Q4_K_XL");
        assertThat(HubFiles.quant("gpt-oss-20b-MXFP4.gguf")).isEqualTo("MXFP4");
        assertThat(HubFiles.quant("model.gguf")).isNull();
    }

    @Test
    void singleFileModelsAreTheTopLevelOnesNotADiffusersLayout() {
        List<HubFiles.Entry> listing = List.of(entry("sd_xl_base_1.0.safetensors"), entry("sd_xl_base_1.0_0.9vae.safetensors"),
                entry("unet/diffusion_pytorch_model.safetensors"), entry("vae/diffusion_pytorch_model.safetensors"),
                entry("model_index.json"), entry("4x-UltraSharp.pth"));
        assertThat(names(HubFiles.singleFiles(listing)))
                .containsExactly("4x-UltraSharp.pth", "sd_xl_base_1.0.safetensors", "sd_xl_base_1.0_0.9vae.safetensors");
    }

    private static HubFiles.Entry entry(String path) {
        return new HubFiles.Entry(path, 10, null);
    }

    private static List<String> names(List<HubFiles.Entry> entries) {
        return entries.stream().map(HubFiles.Entry::path).toList();
    }
}
