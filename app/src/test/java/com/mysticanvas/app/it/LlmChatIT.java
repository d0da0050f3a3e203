package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.llm.synth.LlmSynthModels;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.models.Model;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat through the orchestrator with the real LLM worker (llama.cpp, tiny synthetic model), and the OpenAI client. */
class LlmChatIT {
    static final String TINY = LlmSynthModels.TINY_FILE;

    @TempDir
    static Path dir;
    static TestOrchestrator o;

    @BeforeAll
    static void start() throws Exception {
        LlmSynthModels.write("tiny", dir.resolve("models"));
        o = TestOrchestrator.builder(dir).llmModel(TINY).start();
        o.awaitReady(WorkerKind.LLM);
        long deadline = System.currentTimeMillis() + 60_000; // --llm-model loads in the background after the handshake
        while (!TINY.equals(Json.parse(o.get("/v1/llm/status").body()).path("model").asText(null))) {
            assertThat(System.currentTimeMillis()).as("model load; console:\n%s", o.console()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() {
        o.close();
    }

    /** A request naming another GGUF of models/llm loads it first, as Ollama and LM Studio do; an alias does not. */
    @Test
    void aRequestNamingAnotherModelFileLoadsItFirst() throws Exception {
        java.nio.file.Files.copy(dir.resolve("models/llm").resolve(TINY), dir.resolve("models/llm/tiny-copy.gguf"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try {
            String body = "{\"model\":\"%s\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> other = o.post("/v1/chat/completions", body.formatted("tiny-copy.gguf"));
            assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
            assertThat(Json.parse(other.body()).path("model").asText()).isEqualTo("tiny-copy.gguf");
            HttpResponse<String> stem = o.post("/v1/chat/completions", body.formatted("tiny-copy"));
            assertThat(Json.parse(stem.body()).path("model").asText()).as("the name without .gguf")
                    .isEqualTo("tiny-copy.gguf");
            HttpResponse<String> unknown = o.post("/v1/chat/completions", body.formatted("gpt-4o"));
            assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
            assertThat(Json.parse(unknown.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
            String chat = "{\"model\":\"%s\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"options\":{\"num_predict\":2}}";
            HttpResponse<String> ollama = o.post("/api/chat", chat.formatted(TINY.replace(".gguf", ":latest")));
            assertThat(Json.parse(ollama.body()).path("model").asText()).as("Ollama's routes too").isEqualTo(TINY);
            HttpResponse<String> ollamaUnknown = o.post("/api/chat", chat.formatted("llama3"));
            assertThat(ollamaUnknown.statusCode()).isEqualTo(404);
            assertThat(Json.parse(ollamaUnknown.body()).path("error").asText()).as("Ollama's error shape")
                    .contains("'llama3' is not a GGUF file");
        } finally {
            o.post("/v1/llm/load", "{\"model\":\"" + TINY + "\"}");
        }
    }

    /** A request's keep_alive 0 unloads the model once it is answered, as Ollama's does; the next load brings it back. */
    @Test
    void keepAliveZeroUnloadsTheModelAfterTheRequest() throws Exception {
        try {
            HttpResponse<String> r = o.post("/api/generate", "{\"model\":\"" + TINY + "\",\"prompt\":\"hi\",\"stream\":false,"
                    + "\"keep_alive\":0,\"options\":{\"num_predict\":2}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            long deadline = System.currentTimeMillis() + 30_000;
            while (!Json.parse(o.get("/v1/llm/status").body()).path("model").isNull()) {
                assertThat(System.currentTimeMillis()).as("the unload after keep_alive 0").isLessThan(deadline);
                Thread.sleep(50);
            }
        } finally {
            assertThat(o.post("/v1/llm/load", "{\"model\":\"" + TINY + "\"}").statusCode()).isEqualTo(200);
        }
    }

    /** A client that hangs up on a non-streamed chat stops the generation in the worker, through the proxy. */
    @Test
    void hangingUpOnAWholeAnswerStopsItsGeneration() throws Exception {
        LlmSynthModels.tiny().u32("llama.context_length", 1 << 18).write(dir.resolve("models/llm/tiny-long.gguf"));
        try {
            assertThat(o.post("/v1/llm/load", "{\"model\":\"tiny-long.gguf\",\"n_ctx\":262144,\"parallel\":1,"
                    + "\"threads\":1}").statusCode()).isEqualTo(200);
            var bpe = LlmSynthModels.vocabulary();
            byte[] json = ("{\"max_tokens\":250000,\"messages\":[{\"role\":\"user\",\"content\":\"go on\"}],"
                    + "\"logit_bias\":{\"" + bpe.id("<|im_end|>") + "\":-100,\"" + bpe.id("<|endoftext|>") + "\":-100}}")
                    .getBytes(StandardCharsets.UTF_8);
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", o.base.getPort())) {
                socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().write(json);
                socket.getOutputStream().flush();
                awaitBusySlots(1);
            }
            awaitBusySlots(0);
        } finally {
            assertThat(o.post("/v1/llm/load", "{\"model\":\"" + TINY + "\"}").statusCode()).isEqualTo(200);
        }
    }

    private static void awaitBusySlots(int busy) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (Json.parse(o.get("/v1/llm/status").body()).path("slots").path("busy").asInt() != busy) {
            assertThat(System.currentTimeMillis()).as("busy slots to become %d", busy).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Ollama's routes reach the LLM worker through the orchestrator, beside the studio's own /api routes. */
    @Test
    void ollamasApiWorksThroughTheOrchestrator() throws Exception {
        JsonNode tags = Json.parse(o.get("/api/tags").body()).path("models");
        assertThat(tags.toString()).contains(TINY);
        HttpResponse<String> chat = o.post("/api/chat", "{\"model\":\"" + TINY + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"options\":{\"num_predict\":3}}");
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        String[] lines = chat.body().strip().split("\n");
        assertThat(Json.parse(lines[lines.length - 1]).path("done").asBoolean()).isTrue();
        assertThat(o.get("/api/conversations").statusCode()).as("the studio's /api stays the studio's").isEqualTo(200);
    }

    @Test
    void theMergedModelListShowsTheGgufAsAnLlm() throws Exception {
        JsonNode models = Json.parse(o.get("/v1/models").body()).path("data");
        JsonNode tiny = null;
        for (JsonNode m : models) {
            tiny = m.path("id").asText().equals(TINY) ? m : tiny;
        }
        assertThat(tiny).as("%s", models).isNotNull();
        assertThat(tiny.path("type").asText()).isEqualTo("llm");
        assertThat(tiny.path("architecture").asText()).isEqualTo("llama");
        assertThat(tiny.path("loaded").asBoolean()).isTrue();
    }

    @Test
    void aStreamedChatArrivesChunkByChunkThroughTheProxy() throws Exception {
        HttpResponse<InputStream> r = stream("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
                + "\"stream\":true,\"max_tokens\":6,\"temperature\":0,\"stream_options\":{\"include_usage\":true}}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> data = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
        }
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(Json.parse(data.getFirst()).path("object").asText()).isEqualTo("chat.completion.chunk");
        JsonNode usage = Json.parse(data.get(data.size() - 2)).path("usage");
        assertThat(usage.path("completion_tokens").asInt()).isBetween(1, 6);
    }

    @Test
    void aClientLeavingMidStreamFreesTheSlotThroughTheProxy() throws Exception {
        HttpResponse<InputStream> r = stream("{\"messages\":[{\"role\":\"user\",\"content\":\"Go on\"}],"
                + "\"stream\":true,\"max_tokens\":100000,\"logit_bias\":{\"" + eog("<|im_end|>") + "\":-100,\""
                + eog("<|endoftext|>") + "\":-100}}");
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        for (int events = 0; events < 3; ) {
            events += in.readLine().startsWith("data: ") ? 1 : 0;
        }
        assertThat(o.busySlotsOnceSettled(1)).isEqualTo(1);
        r.body().close();
        assertThat(o.busySlotsOnceSettled(0)).isZero();
    }

    private static int eog(String text) throws Exception {
        return Json.parse(o.post("/v1/llm/tokenize", "{\"content\":\"" + text + "\",\"parse_special\":true}").body())
                .path("tokens").get(0).asInt();
    }


    private static HttpResponse<InputStream> stream(String body) throws Exception {
        return o.http.send(HttpRequest.newBuilder(o.base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void theOfficialOpenAiJavaClientWorksUnchanged() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(o.base + "/v1").apiKey("not-needed").build();
        try {
            List<String> ids = client.models().list().data().stream().map(Model::id).toList();
            assertThat(ids).contains(TINY);

            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model(TINY)
                    .addSystemMessage("You are a helpful assistant.")
                    .addUserMessage("Say hello.")
                    .maxCompletionTokens(8)
                    .temperature(0.7)
                    .seed(7)
                    .build();
            ChatCompletion whole = client.chat().completions().create(params);
            String text = whole.choices().getFirst().message().content().orElse("");
            assertThat(whole.usage().orElseThrow().completionTokens()).isBetween(1L, 8L);
            assertThat(whole.choices().getFirst().finishReason().asString()).isIn("stop", "length");

            StringBuilder streamed = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> chunks = client.chat().completions().createStreaming(params)) {
                chunks.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
            }
            assertThat(streamed.toString()).isEqualTo(text); // same seed, same text, streamed or not
        } finally {
            client.close();
        }
    }
}
