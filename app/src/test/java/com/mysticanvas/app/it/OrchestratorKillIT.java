package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator killed with SIGKILL in the middle of a reply: no worker survives it, and the next start finds
 * every conversation and image saved before the kill, the interrupted reply kept and marked incomplete.
 */
class OrchestratorKillIT {
    @TempDir
    Path dir;

    @Test
    void aKillLosesNothingThatWasSaved() throws Exception {
        TinyModels.write(dir.resolve("models"));
        String conversation;
        String finishedReply;
        String imageId;
        try (OrchestratorProcess first = new OrchestratorProcess(dir, "--llm-model", TinyModels.LLM, "--sd-model", TinyModels.SD)) {
            List<ProcessHandle> workers = first.awaitWorkers(TinyModels.LLM, TinyModels.SD);
            conversation = post(first, "/api/conversations", "{\"title\":\"survives\",\"settings\":{\"max_tokens\":8}}").path("id").asText();
            List<String[]> turn = events(first, "/api/conversations/" + conversation + "/chat", "{\"content\":\"hello\"}", -1);
            finishedReply = Json.parse(turn.getLast()[1]).path("message").path("id").asText();
            List<String[]> image = events(first, "/api/images", "{\"prompt\":\"a kept image\",\"width\":64,\"height\":64,\"steps\":2}", -1);
            imageId = Json.parse(image.getLast()[1]).path("images").get(0).path("id").asText();

            // A long reply (big context, no token limit, no end token allowed), killed half-way through.
            var vocab = com.mysticanvas.llm.synth.LlmSynthModels.vocabulary();
            String noEnd = "{\"" + vocab.id("<|im_end|>") + "\":-100,\"" + vocab.id("<|endoftext|>") + "\":-100}";
            post(first, "/v1/llm/load", "{\"model\":\"" + TinyModels.LLM + "\",\"n_ctx\":32768,\"parallel\":1}");
            HttpResponse<InputStream> story = first.http.send(HttpRequest.newBuilder(first.base.resolve("/api/conversations/" + conversation + "/chat"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"and now a long story\",\"settings\":{\"max_tokens\":100000,"
                            + "\"logit_bias\":" + noEnd + "}}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            BufferedReader streaming = new BufferedReader(new InputStreamReader(story.body(), StandardCharsets.UTF_8));
            for (int deltas = 0; deltas < 40; ) {
                String line = streaming.readLine();
                assertThat(line).as("the story ended before 40 tokens").isNotNull();
                deltas += "event: delta".equals(line) ? 1 : 0;
            }
            awaitSavedText(first, conversation); // the reply is saved as it grows; the client is still reading
            first.kill();
            streaming.close();
            OrphanIT.awaitGone(workers, Duration.ofSeconds(5));
            assertThat(workers).noneMatch(ProcessHandle::isAlive);
            for (ProcessHandle worker : workers) { // they exited cleanly, models loaded: no native crash on the way out
                assertThat(Path.of(System.getProperty("java.io.tmpdir"), "mysticanvas-worker-crash-" + worker.pid() + ".log"))
                        .doesNotExist();
            }
        }

        try (OrchestratorProcess second = new OrchestratorProcess(dir)) {
            JsonNode saved = second.get("/api/conversations/" + conversation);
            JsonNode messages = saved.path("messages");
            assertThat(saved.path("conversation").path("title").asText()).isEqualTo("survives");
            assertThat(messages).extracting(m -> m.path("role").asText()).containsExactly("user", "assistant", "user", "assistant");
            assertThat(messages.get(1).path("id").asText()).isEqualTo(finishedReply);
            assertThat(messages.get(1).path("status").asText()).isEqualTo("complete");
            JsonNode interrupted = messages.get(3);
            assertThat(interrupted.path("status").asText()).isEqualTo("incomplete");
            assertThat(interrupted.path("content").asText()).isNotEmpty();
            assertThat(interrupted.path("error").asText()).contains("interrupted");
            HttpResponse<byte[]> png = second.http.send(HttpRequest.newBuilder(second.base.resolve("/api/gallery/" + imageId + "/image")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(png.statusCode()).isEqualTo(200);
            assertThat(second.get("/api/gallery/" + imageId).path("prompt").asText()).isEqualTo("a kept image");
        }
    }

    /** Waits until the conversation's last message (the reply being generated) has text saved. */
    private static void awaitSavedText(OrchestratorProcess o, String conversation) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            JsonNode messages = o.get("/api/conversations/" + conversation).path("messages");
            if (messages.size() == 4 && !messages.get(3).path("content").asText().isEmpty()) {
                return;
            }
            assertThat(System.nanoTime()).as("no text of the reply was saved: %s", messages).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static JsonNode post(OrchestratorProcess o, String path, String body) throws Exception {
        return Json.parse(o.http.send(HttpRequest.newBuilder(o.base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Reads up to {@code max} data events (all when negative) of an event stream. */
    private static List<String[]> events(OrchestratorProcess o, String path, String body, int max) throws Exception {
        HttpResponse<InputStream> r = o.http.send(HttpRequest.newBuilder(o.base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String[]> events = new java.util.ArrayList<>();
        TestOrchestrator.readEvents(r.body(), events, e -> max >= 0 && events.size() >= max);
        return events;
    }
}
