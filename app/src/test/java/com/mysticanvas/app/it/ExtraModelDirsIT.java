package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models left where other tools keep them: a GGUF in LM Studio's layout, one pulled by Ollama (a manifest and a blob)
 * and a checkpoint in ComfyUI's, named by --extra-model-dir, are listed by both workers and load; nothing is copied
 * into MystiCanvas's own folder.
 */
class ExtraModelDirsIT {
    @TempDir
    Path dir;

    @Test
    void bothWorkersListAndLoadModelsFromOtherToolsFolders() throws Exception {
        Path upstream = TinyModels.write(dir.resolve("upstream"));
        Path lmStudio = dir.resolve("lmstudio/models/mysti/tiny-GGUF");
        Path comfy = dir.resolve("ComfyUI/models/checkpoints");
        Files.createDirectories(lmStudio);
        Files.createDirectories(comfy);
        Files.move(upstream.resolve("llm").resolve(TinyModels.LLM), lmStudio.resolve(TinyModels.LLM), StandardCopyOption.ATOMIC_MOVE);
        Files.move(upstream.resolve("sd/checkpoints").resolve(TinyModels.SD), comfy.resolve(TinyModels.SD), StandardCopyOption.ATOMIC_MOVE);
        // Ollama's store: a manifest naming the GGUF blob by its digest
        Path ollama = dir.resolve("ollama/models");
        Files.createDirectories(ollama.resolve("blobs"));
        Files.createDirectories(ollama.resolve("manifests/registry.ollama.ai/library/tinyllama"));
        byte[] gguf = Files.readAllBytes(lmStudio.resolve(TinyModels.LLM));
        String digest = com.mysticanvas.orchestrator.downloads.FakeHub.sha256(gguf);
        Files.write(ollama.resolve("blobs/sha256-" + digest), gguf);
        Files.writeString(ollama.resolve("manifests/registry.ollama.ai/library/tinyllama/latest"),
                "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:"
                        + digest + "\",\"size\":" + gguf.length + "}]}");
        Files.createDirectories(dir.resolve("models"));
        try (OrchestratorProcess o = new OrchestratorProcess(dir, "--extra-model-dir", dir.resolve("lmstudio/models").toString(),
                "--extra-model-dir", dir.resolve("ComfyUI").toString(), "--extra-model-dir", ollama.toString())) {
            o.awaitWorkers(null, null);
            JsonNode models = o.get("/v1/models").path("data");
            assertThat(models).extracting(m -> m.path("id").asText()).contains(TinyModels.LLM, TinyModels.SD, "tinyllama-latest.gguf");
            HttpResponse<String> ollamaChat = o.post("/api/chat", "{\"model\":\"tinyllama:latest\",\"stream\":false,"
                    + "\"options\":{\"num_predict\":2},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(ollamaChat.statusCode()).as(ollamaChat.body()).isEqualTo(200);
            assertThat(o.get("/v1/llm/status").path("model").toString()).as("Ollama's name for it").contains("tinyllama-latest.gguf");

            HttpResponse<String> chat = o.post("/v1/chat/completions", "{\"model\":\"" + TinyModels.LLM + "\",\"max_tokens\":2,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            HttpResponse<String> load = o.post("/v1/models/load", "{\"checkpoint\":\"" + TinyModels.SD + "\"}");
            assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
            assertThat(Json.parse(o.post("/v1/models/load", "{\"checkpoint\":\"absent.safetensors\"}").body())
                    .path("error").path("message").asText()).contains("or the extra model folders");
        }
        try (var inOurs = Files.walk(dir.resolve("models"))) {
            assertThat(inOurs.filter(Files::isRegularFile)).as("nothing copied").isEmpty();
        }
    }
}
