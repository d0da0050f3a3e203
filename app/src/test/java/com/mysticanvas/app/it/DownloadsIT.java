package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.orchestrator.downloads.FakeHub;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads through the real orchestrator process against the fake Hub: one killed with SIGKILL half-way goes on
 * after the restart from the bytes it had, and the model it brings loads and answers; Ollama's {@code /api/pull}
 * streams its progress and ends in success.
 */
class DownloadsIT {
    @TempDir
    Path dir;

    @Test
    void aDownloadSurvivesAKillOfTheOrchestratorAndItsModelAnswers() throws Exception {
        Path upstream = TinyModels.write(dir.resolve("upstream"));
        byte[] gguf = Files.readAllBytes(upstream.resolve("llm").resolve(TinyModels.LLM));
        try (FakeHub hub = new FakeHub()) {
            FakeHub.Blob blob = hub.file("mysti/tiny-GGUF", "tiny-Q8_0.gguf", gguf);
            hub.file("mysti/tiny-GGUF", "tiny-Q4_K_M.gguf", gguf);
            // the same model as gguf-split writes it, three shards in a quant's folder
            for (Path shard : com.mysticanvas.llm.synth.LlmSynthModels.tiny().writeSplit(dir.resolve("upstream/split"), "tiny-Q8_0", 3)) {
                hub.file("mysti/split-GGUF", "Q8_0/" + shard.getFileName(), Files.readAllBytes(shard));
            }
            blob.bytesPerSecond = Math.max(50_000, gguf.length / 8);
            Map<String, String> env = Map.of("HF_ENDPOINT", hub.endpoint().toString());
            Files.createDirectories(dir.resolve("models/llm"));
            String id;
            try (OrchestratorProcess first = new OrchestratorProcess(dir, env)) {
                HttpResponse<String> started = first.post("/api/downloads", "{\"source\":\"hf.co/mysti/tiny-GGUF:Q8_0\"}");
                assertThat(started.statusCode()).isEqualTo(202);
                id = Json.parse(started.body()).path("id").asText();
                await(first, id, j -> j.path("bytes").asLong() > gguf.length / 5);
                first.kill();
            }
            assertThat(Files.list(dir.resolve("models/llm")).toList()).as("nothing half-written in the folder").isEmpty();
            int requestsBefore = hub.seen.size();
            blob.bytesPerSecond = 0;
            try (OrchestratorProcess second = new OrchestratorProcess(dir, env)) {
                JsonNode done = await(second, id, j -> j.path("state").asText().equals("done"));
                assertThat(done.path("bytes").asLong()).isEqualTo(gguf.length);
                assertThat(Files.readAllBytes(dir.resolve("models/llm/tiny-Q8_0.gguf"))).isEqualTo(gguf);
                assertThat(hub.seen.subList(requestsBefore, hub.seen.size())).as("the rest only, after the restart")
                        .anyMatch(s -> s.range() != null && s.range().matches("bytes=[1-9]\\d+-" + (gguf.length - 1)))
                        .noneMatch(s -> s.range() != null && s.range().startsWith("bytes=0-") && !s.range().equals("bytes=0-0"));
                JsonNode provenance = second.get("/api/models/provenance").path("models");
                assertThat(provenance).singleElement().satisfies(p -> {
                    assertThat(p.path("source").asText()).isEqualTo("hf.co/mysti/tiny-GGUF:Q8_0");
                    assertThat(p.path("sha256").asText()).isEqualTo(FakeHub.sha256(gguf));
                });

                // the downloaded model is a model: named in a request, it loads on demand and answers
                second.awaitWorkers(null, null);
                HttpResponse<String> chat = second.post("/v1/chat/completions", "{\"model\":\"tiny-Q8_0.gguf\",\"max_tokens\":3,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
                assertThat(Json.parse(chat.body()).path("model").asText()).isEqualTo("tiny-Q8_0.gguf");

                // Ollama's pull: progress lines, then success; the model is then in /api/tags
                List<JsonNode> lines = pull(second, "{\"model\":\"hf.co/mysti/tiny-GGUF:Q4_K_M\"}");
                assertThat(lines.getFirst().path("status").asText()).isEqualTo("pulling manifest");
                assertThat(lines).anyMatch(l -> l.path("total").asLong() == gguf.length && l.path("digest").asText().startsWith("sha256:"));
                assertThat(lines.getLast().path("status").asText()).isEqualTo("success");
                assertThat(second.get("/api/tags").path("models")).extracting(m -> m.path("name").asText()).contains("tiny-Q4_K_M.gguf");
                HttpResponse<String> byPulledName = second.post("/api/chat", "{\"model\":\"hf.co/mysti/tiny-GGUF:Q4_K_M\",\"stream\":false,"
                        + "\"options\":{\"num_predict\":2},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertThat(byPulledName.statusCode()).as("named as it was pulled: " + byPulledName.body()).isEqualTo(200);
                assertThat(second.get("/v1/llm/status").path("model").toString()).contains("tiny-Q4_K_M.gguf");
                assertThat(pull(second, "{\"model\":\"hf.co/mysti/tiny-GGUF:Q4_K_M\",\"stream\":false}"))
                        .as("pulled already: a success at once").singleElement().satisfies(l -> assertThat(l.path("status").asText()).isEqualTo("success"));
                HttpResponse<String> library = second.post("/api/pull", "{\"model\":\"llama3.2\"}");
                assertThat(library.statusCode()).isEqualTo(400);
                assertThat(Json.parse(library.body()).path("error").asText()).contains("hf.co/{user}/{repo}");

                // a split GGUF comes whole and loads from its first shard
                String split = Json.parse(second.post("/api/downloads", "{\"source\":\"hf.co/mysti/split-GGUF\"}").body()).path("id").asText();
                await(second, split, j -> j.path("state").asText().equals("done"));
                HttpResponse<String> splitChat = second.post("/v1/chat/completions", "{\"model\":\"tiny-Q8_0-00001-of-00003.gguf\","
                        + "\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertThat(splitChat.statusCode()).as(splitChat.body()).isEqualTo(200);
                assertThat(second.get("/v1/models").path("data")).extracting(m -> m.path("id").asText())
                        .contains("tiny-Q8_0-00001-of-00003.gguf").doesNotContain("tiny-Q8_0-00002-of-00003.gguf");

                HttpResponse<String> bad = second.post("/api/downloads", "{\"source\":\"hf.co/mysti/absent\"}");
                assertThat(bad.statusCode()).isEqualTo(404);
                assertThat(Json.parse(bad.body()).path("error").path("message").asText()).contains("mysti/absent");
                assertThat(second.post("/api/downloads", "{\"source\":\"hf.co/mysti/tiny-GGUF\",\"kind\":\"model\"}").statusCode()).isEqualTo(400);
            }
        }
    }

    private static List<JsonNode> pull(OrchestratorProcess o, String body) throws Exception {
        HttpResponse<InputStream> r = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/pull"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    lines.add(Json.parse(line));
                }
            }
        }
        return lines;
    }

    private static JsonNode await(OrchestratorProcess o, String id, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = o.get("/api/downloads/" + id);
            if (condition.test(job)) {
                return job;
            }
            assertThat(job.path("state").asText()).as(job.toString()).isNotEqualTo("failed");
            Thread.sleep(50);
        }
        throw new AssertionError("download never got there: " + job);
    }
}
