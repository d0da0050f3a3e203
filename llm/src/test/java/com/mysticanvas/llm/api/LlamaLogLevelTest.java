package com.mysticanvas.llm.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.llm.gguf.GgufWriter;
import com.mysticanvas.llm.synth.LlmSynthModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp's log reaches the worker's log through llama_log_set, filtered by --log-level. */
class LlamaLogLevelTest {
    @TempDir
    Path root;

    @Test
    void infoShowsLlamaCppsLoadLogAndErrorKeepsOnlyErrors() throws Exception {
        Path models = root.resolve("models");
        LlmSynthModels.write("tiny", models);
        String load = "{\"model\": \"" + LlmSynthModels.TINY_FILE + "\", \"n_ctx\": 512, \"parallel\": 1}";
        String missingTensors = "{\"model\": \"no-tensors.gguf\"}";
        GgufWriter noTensors = new GgufWriter()
                .string("general.architecture", "llama").u32("llama.context_length", 64)
                .u32("llama.embedding_length", 64).u32("llama.block_count", 1)
                .u32("llama.attention.head_count", 4).string("tokenizer.ggml.model", "gpt2")
                .strings("tokenizer.ggml.tokens", List.of("a", "b")).strings("tokenizer.ggml.merges", List.of("a b"));
        noTensors.write(models.resolve("llm").resolve("no-tensors.gguf"));
        for (String level : new String[] {"info", "error"}) {
            try (WorkerProcess worker = new WorkerProcess(models, null, level)) {
                assertThat(worker.post("/v1/llm/load", load).status()).isEqualTo(200);
                assertThat(worker.post("/v1/llm/load", missingTensors).status()).isEqualTo(400);
                worker.post("/v1/llm/unload", "{}");
                // The failed load's line is the last one: once it is in, the lines before it are too.
                String log = worker.logOnceItContains("ERROR llama.cpp - llama_model_load: error loading model");
                if (level.equals("info")) {
                    assertThat(log).contains("INFO llama.cpp - llama_model_loader: loaded meta data");
                } else {
                    assertThat(log).doesNotContain("INFO llama.cpp");
                }
                assertThat(log).contains("ERROR llama.cpp - llama_model_load: error loading model");
            }
        }
    }
}
