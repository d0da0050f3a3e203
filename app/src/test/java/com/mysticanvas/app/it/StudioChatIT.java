package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The studio's chat: turns run by the orchestrator with the real LLM worker, saved in real SQLite as they stream. */
class StudioChatIT {
    @TempDir
    static Path dir;
    static TestOrchestrator o;

    @BeforeAll
    static void start() throws Exception {
        TinyModels.write(dir.resolve("models"));
        // --llm-any-model-name here (LlmChatIT has the default): a hard-coded name answers with the loaded model
        o = TestOrchestrator.builder(dir).llmModel(TinyModels.LLM).sdModel(TinyModels.SD).anyModelName().start();
        o.awaitWorker(WorkerKind.LLM, w -> TinyModels.LLM.equals(w.path("model").asText()), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        o.close();
    }

    @Test
    void withAnyModelNameAHardCodedNameAnswersWithTheLoadedModel() throws Exception {
        var r = o.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("model").asText()).isEqualTo(TinyModels.LLM);
    }

    @Test
    void aTurnStreamsTokensAndIsSavedWithItsCounts() throws Exception {
        String id = newConversation("{\"title\":\"Cats\",\"systemPrompt\":\"be brief\",\"settings\":{\"seed\":7,\"max_tokens\":12}}");
        List<String[]> events = chat(id, "{\"content\":\"hello there\"}");
        assertThat(events.getFirst()[0]).isEqualTo("start");
        assertThat(events.stream().filter(e -> e[0].equals("delta")).count()).isGreaterThan(1);
        assertThat(events.getLast()[0]).isEqualTo("done");
        JsonNode reply = Json.parse(events.getLast()[1]).path("message");
        assertThat(reply.path("status").asText()).isEqualTo("complete");
        assertThat(reply.path("completionTokens").asInt()).isBetween(1, 12);
        assertThat(reply.path("promptTokens").asInt()).isPositive();

        StringBuilder streamed = new StringBuilder();
        events.stream().filter(e -> e[0].equals("delta")).forEach(e -> streamed.append(Json.parse(e[1]).path("content").asText()));
        JsonNode saved = Json.parse(o.get("/api/conversations/" + id).body());
        assertThat(saved.path("messages")).extracting(m -> m.path("role").asText()).containsExactly("user", "assistant");
        assertThat(saved.path("messages").get(1).path("content").asText()).isEqualTo(streamed.toString());
        assertThat(saved.path("conversation").path("messageCount").asInt()).isEqualTo(2);
    }

    @Test
    void regenerateAndEditAndResendReuseTheStoredTurns() throws Exception {
        String id = newConversation("{\"settings\":{\"seed\":1,\"max_tokens\":8,\"temperature\":1.0}}");
        chat(id, "{\"content\":\"first question\"}");
        JsonNode messages = Json.parse(o.get("/api/conversations/" + id).body()).path("messages");
        String userId = messages.get(0).path("id").asText();
        String replyId = messages.get(1).path("id").asText();

        // Regenerate: drop the reply, answer again with another seed.
        assertThat(o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/conversations/" + id + "/messages/" + replyId))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        List<String[]> again = chat(id, "{\"settings\":{\"seed\":2}}");
        assertThat(again.getLast()[0]).isEqualTo("done");
        assertThat(Json.parse(o.get("/api/conversations/" + id).body()).path("messages").size()).isEqualTo(2);

        // Edit and resend: change the question, drop what followed, answer it.
        HttpResponse<String> edited = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/conversations/" + id + "/messages/" + userId))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"content\":\"second question\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(edited.statusCode()).isEqualTo(200);
        String newReply = Json.parse(o.get("/api/conversations/" + id).body()).path("messages").get(1).path("id").asText();
        o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/conversations/" + id + "/messages/" + newReply)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chat(id, "{}").getLast()[0]).isEqualTo("done");
        JsonNode finalMessages = Json.parse(o.get("/api/conversations/" + id).body()).path("messages");
        assertThat(finalMessages.get(0).path("content").asText()).isEqualTo("second question");
        assertThat(finalMessages).hasSize(2);

        assertThat(o.post("/api/conversations/" + id + "/chat", "{}").statusCode()).as("nothing to answer").isEqualTo(400);
    }

    @Test
    void aStopKeepsWhatWasGeneratedMarkedIncompleteAndFreesTheSlot() throws Exception {
        // A big context and no token limit: the reply runs for seconds, long enough to stop it half-way.
        HttpResponse<String> load = o.post("/v1/llm/load", "{\"model\":\"" + TinyModels.LLM + "\",\"n_ctx\":32768,\"parallel\":1}");
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
        try {
            String id = newConversation("{\"settings\":{\"seed\":3,\"temperature\":1.0}}");
            HttpResponse<InputStream> r = o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/conversations/" + id + "/chat"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"talk for a long time\"}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                int deltas = 0;
                String line;
                while (deltas < 20 && (line = in.readLine()) != null) {
                    deltas += line.equals("event: delta") ? 1 : 0;
                }
            } // the browser's stop button: the connection closes
            JsonNode reply = awaitReply(id, m -> !m.path("status").asText().equals("streaming"));
            assertThat(reply.path("status").asText()).isEqualTo("incomplete");
            assertThat(reply.path("error").asText()).isEqualTo("stopped");
            assertThat(reply.path("content").asText()).isNotEmpty();
            // The worker notices the closed connection at its next token and frees the slot.
            assertThat(o.busySlotsOnceSettled(0)).isZero();
        } finally {
            o.post("/v1/llm/load", "{\"model\":\"" + TinyModels.LLM + "\"}");
        }
    }

    @Test
    void aConversationLongerThanTheContextLeavesOutItsOldestTurns() throws Exception {
        HttpResponse<String> load = o.post("/v1/llm/load", "{\"model\":\"" + TinyModels.LLM + "\",\"n_ctx\":256,\"parallel\":1}");
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
        try {
            String id = newConversation("{\"settings\":{\"max_tokens\":4}}");
            for (int i = 0; i < 12; i++) {
                o.post("/api/conversations/" + id + "/messages", Json.write(Json.object().put("role", i % 2 == 0 ? "user" : "assistant")
                        .put("content", "message " + i + " " + "with quite a few words in it ".repeat(3))));
            }
            List<String[]> events = chat(id, "{\"content\":\"and now?\"}");
            assertThat(events.getLast()[0]).isEqualTo("done");
            int leftOut = Json.parse(events.getFirst()[1]).path("leftOut").asInt();
            assertThat(leftOut).isPositive();
            // the next turn keeps what the last one kept, so the worker's cache of it is reused
            List<String[]> next = chat(id, "{\"content\":\"and then?\"}");
            assertThat(next.getLast()[0]).isEqualTo("done");
            assertThat(Json.parse(next.getFirst()[1]).path("leftOut").asInt()).isGreaterThanOrEqualTo(leftOut);
        } finally {
            o.post("/v1/llm/load", "{\"model\":\"" + TinyModels.LLM + "\"}");
        }
    }

    @Test
    void chatTokensKeepArrivingWhileAnImageIsGenerated() throws Exception {
        o.awaitWorker(WorkerKind.SD, w -> TinyModels.SD.equals(w.path("model").asText()), Duration.ofSeconds(60));
        CompletableFuture<HttpResponse<String>> image = o.http.sendAsync(HttpRequest.newBuilder(o.base.resolve("/v1/images/generations"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"slow\",\"size\":\"256x256\",\"steps\":150}")).build(),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Json.parse(o.get("/v1/images/progress").body()).path("state").asText().equals("running")) {
            assertThat(System.nanoTime()).as("the image job did not start").isLessThan(deadline);
            Thread.sleep(25);
        }
        String id = newConversation("{\"settings\":{\"max_tokens\":40,\"seed\":4}}");
        long start = System.nanoTime();
        List<String[]> events = chat(id, "{\"content\":\"while you paint\"}");
        long chatMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(events.getLast()[0]).isEqualTo("done");
        assertThat(events.stream().filter(e -> e[0].equals("delta")).count()).isGreaterThan(5);
        assertThat(image).as("the whole chat turn (%d ms) finished while the image was still being made", chatMs).isNotDone();
        assertThat(Json.parse(o.get("/v1/images/progress").body()).path("state").asText()).isEqualTo("running");
        o.post("/v1/images/interrupt", "");
        assertThat(image.get().statusCode()).isEqualTo(409);
    }

    private static String newConversation(String body) throws Exception {
        HttpResponse<String> r = o.post("/api/conversations", body);
        assertThat(r.statusCode()).isEqualTo(201);
        return Json.parse(r.body()).path("id").asText();
    }

    private static List<String[]> chat(String id, String body) throws Exception {
        return o.postEvents("/api/conversations/" + id + "/chat", body);
    }

    private static JsonNode awaitReply(String id, java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            JsonNode messages = Json.parse(o.get("/api/conversations/" + id).body()).path("messages");
            last = messages.get(messages.size() - 1);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("reply never settled: " + last);
    }
}
