package com.mysticanvas.llm.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.llm.synth.LlmSynthModels;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The LLM worker as a real process on loopback, real llama.cpp, the tiny synthetic model. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LlmWorkerHttpTest {
    static final String TINY = LlmSynthModels.TINY_FILE;

    @TempDir
    static Path root;
    static Path models;
    static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        models = root.resolve("models");
        LlmSynthModels.write("tiny", models);
        Files.writeString(models.resolve("llm").resolve("broken.gguf"), "GGUF but not really a model file at all");
        worker = new WorkerProcess(models, TINY).awaitModel(TINY);
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
    }

    /** A chat request that cannot end early: the end-of-generation tokens are banned. */
    static ObjectNode chat(String user, int maxTokens) {
        ObjectNode body = Json.object();
        body.putArray("messages").addObject().put("role", "user").put("content", user);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        ObjectNode bias = body.putObject("logit_bias");
        var bpe = LlmSynthModels.vocabulary();
        bias.put(Integer.toString(bpe.id("<|im_end|>")), -100);
        bias.put(Integer.toString(bpe.id("<|endoftext|>")), -100);
        return body;
    }

    @Test
    @Order(1)
    void healthAndModelsDescribeTheFiles() throws Exception {
        JsonNode health = worker.get("/health").json();
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("model").asText()).isEqualTo(TINY);
        assertThat(health.path("loading").isNull()).isTrue();

        WorkerProcess.Answer models = worker.get("/v1/llm/models");
        assertThat(models.status()).isEqualTo(200);
        JsonNode tiny = find(models.json().path("data"), TINY);
        assertThat(tiny.path("architecture").asText()).isEqualTo("llama");
        assertThat(tiny.path("quantization").asText()).isEqualTo("F32");
        assertThat(tiny.path("context_length").asLong()).isEqualTo(4096);
        assertThat(tiny.path("parameters").asLong()).isPositive();
        assertThat(tiny.path("has_chat_template").asBoolean()).isTrue();
        assertThat(tiny.path("loaded").asBoolean()).isTrue();
        assertThat(find(models.json().path("data"), "broken.gguf").path("error").asText()).isNotBlank();

        JsonNode status = worker.get("/v1/llm/status").json();
        assertThat(status.path("model").asText()).isEqualTo(TINY);
        assertThat(status.path("slots").path("total").asInt()).isEqualTo(4);
        assertThat(status.path("slots").path("free").asInt()).isEqualTo(4);
        assertThat(status.path("context").path("per_slot").asInt()).isEqualTo(4096);
    }

    private static JsonNode find(JsonNode data, String id) {
        for (JsonNode m : data) {
            if (m.path("id").asText().equals(id)) {
                return m;
            }
        }
        throw new AssertionError(id + " not listed in " + data);
    }

    @Test
    @Order(2)
    void chatCompletionWhole() throws Exception {
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", chat("Hello, who are you?", 10));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode r = a.json();
        assertThat(r.path("id").asText()).startsWith("chatcmpl-");
        assertThat(r.path("object").asText()).isEqualTo("chat.completion");
        assertThat(r.path("model").asText()).isEqualTo(TINY);
        JsonNode choice = r.path("choices").get(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isNotEmpty();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
        assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(10);
        assertThat(r.path("usage").path("total_tokens").asInt())
                .isEqualTo(10 + r.path("usage").path("prompt_tokens").asInt());
    }

    @Test
    @Order(3)
    void chatCompletionStreamedMatchesTheWholeAnswer() throws Exception {
        ObjectNode body = chat("Tell me about the garden.", 12);
        String whole = worker.post("/v1/chat/completions", body).json().path("choices").get(0)
                .path("message").path("content").asText();
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        HttpResponse<InputStream> response = worker.stream("/v1/chat/completions", body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        Sse sse = new Sse(response.body());
        List<JsonNode> events = sse.all();
        assertThat(sse.sawDone).isTrue();
        assertThat(events.getFirst().path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (JsonNode e : events) {
            assertThat(e.path("object").asText()).isEqualTo("chat.completion.chunk");
            for (JsonNode c : e.path("choices")) {
                text.append(c.path("delta").path("content").asText(""));
                if (!c.path("finish_reason").isNull()) {
                    finish = c.path("finish_reason").asText();
                }
            }
        }
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(finish).isEqualTo("length");
        JsonNode last = events.getLast();
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
    }

    @Test
    @Order(4)
    void sameSeedSameTextDifferentSeedDifferentText() throws Exception {
        ObjectNode body = chat("Write a poem.", 20);
        body.put("temperature", 1.0);
        body.put("seed", 1234);
        String a = content(worker.post("/v1/chat/completions", body));
        String b = content(worker.post("/v1/chat/completions", body));
        body.put("seed", 4321);
        String c = content(worker.post("/v1/chat/completions", body));
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    private static String content(WorkerProcess.Answer a) {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json().path("choices").get(0).path("message").path("content").asText();
    }

    @Test
    @Order(5)
    void logprobsAnswerAsOpenAiShapesThem() throws Exception {
        ObjectNode body = chat("Name a colour.", 6);
        body.put("logprobs", true).put("top_logprobs", 2).put("seed", 5); // the streamed run below makes the same tokens
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode content = a.json().path("choices").get(0).path("logprobs").path("content");
        assertThat(content.size()).isEqualTo(a.json().path("usage").path("completion_tokens").asInt());
        assertThat(content.get(0).path("logprob").asDouble()).isNegative();
        assertThat(content.get(0).path("top_logprobs")).hasSize(2);
        assertThat(content.get(0).path("bytes").isArray()).isTrue();
        // streamed: one chunk per token with its entry
        body.put("stream", true);
        String sse = worker.post("/v1/chat/completions", body).body();
        assertThat(sse.split("\"logprobs\":\\{\"content\":\\[").length - 1).isEqualTo(content.size());
        // text completions: the legacy shape
        ObjectNode completion = Json.object().put("prompt", "Once upon a time").put("max_tokens", 5).put("logprobs", 2);
        JsonNode legacy = worker.post("/v1/completions", completion).json().path("choices").get(0).path("logprobs");
        assertThat(legacy.path("tokens")).hasSize(5);
        assertThat(legacy.path("token_logprobs")).hasSize(5);
        assertThat(legacy.path("top_logprobs").get(0).size()).isEqualTo(2);
        assertThat(legacy.path("text_offset").get(0).asInt()).isZero();
        ObjectNode bad = chat("x", 2);
        bad.put("top_logprobs", 2);
        assertError(worker.post("/v1/chat/completions", bad), 400, "logprobs");
        // room for the answer: a prompt that fits but leaves less than min_reply_tokens is too long
        int perHundred = worker.post("/v1/llm/tokenize", Json.object().put("content", "word ".repeat(100)))
                .json().path("count").asInt();
        ObjectNode roomy = chat("word ".repeat(3000 * 100 / perHundred), 2); // about 3000 of the 4096 tokens
        assertThat(worker.post("/v1/chat/completions", roomy).status()).isEqualTo(200);
        roomy.put("min_reply_tokens", 3000); // counted up to half the context: 2048
        assertError(worker.post("/v1/chat/completions", roomy), 400, "needs room for 2048");
    }

    @Test
    @Order(5)
    void ollamasApiAnswersAsOllamaDoes() throws Exception {
        assertThat(worker.get("/api/version").json().path("version").asText()).isNotBlank();
        JsonNode tags = worker.get("/api/tags").json().path("models");
        JsonNode tiny = null;
        for (JsonNode m : tags) {
            tiny = m.path("name").asText().equals(TINY) ? m : tiny;
        }
        assertThat(tiny).as("%s in %s", TINY, tags).isNotNull();
        assertThat(tiny.path("details").path("format").asText()).isEqualTo("gguf");
        assertThat(tiny.path("details").path("quantization_level").asText()).isEqualTo("F32");
        assertThat(worker.get("/api/ps").json().path("models").get(0).path("name").asText()).isEqualTo(TINY);
        JsonNode show = worker.post("/api/show", Json.object().put("model", TINY)).json();
        assertThat(show.path("template").asText()).contains("<|im_start|>");
        assertThat(show.path("capabilities").toString()).contains("completion");
        WorkerProcess.Answer missing = worker.post("/api/show", Json.object().put("model", "nope.gguf"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("error").asText()).contains("nope.gguf");

        ObjectNode chat = Json.object().put("model", TINY).put("stream", false);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Say hello.");
        chat.putObject("options").put("num_predict", 5).put("seed", 9).put("temperature", 0.7);
        JsonNode whole = worker.post("/api/chat", chat).json();
        assertThat(whole.path("done").asBoolean()).isTrue();
        assertThat(whole.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(whole.path("eval_count").asInt()).isBetween(1, 5);
        assertThat(whole.path("prompt_eval_count").asInt()).isPositive();
        // streamed by default: NDJSON, the last line done, the same text for the same seed
        chat.remove("stream");
        WorkerProcess.Answer streamed = worker.post("/api/chat", chat);
        assertThat(streamed.contentType()).startsWith("application/x-ndjson");
        String[] lines = streamed.body().strip().split("\n");
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(Json.parse(line).path("message").path("content").asText());
        }
        assertThat(Json.parse(lines[lines.length - 1]).path("done").asBoolean()).isTrue();
        assertThat(text.toString()).isEqualTo(whole.path("message").path("content").asText());

        ObjectNode generate = Json.object().put("model", TINY).put("prompt", "Once upon a time").put("raw", true)
                .put("stream", false);
        generate.putObject("options").put("num_predict", 4);
        JsonNode generated = worker.post("/api/generate", generate).json();
        assertThat(generated.path("done").asBoolean()).isTrue();
        assertThat(generated.path("eval_count").asInt()).isBetween(1, 4);
        assertThat(worker.post("/api/generate", Json.object().put("model", TINY)).json().path("done_reason").asText())
                .as("an empty prompt only loads").isEqualTo("load");

        WorkerProcess.Answer embed = worker.post("/api/embed", Json.object().put("model", TINY).put("input", "x"));
        assertThat(embed.status()).isEqualTo(400);
        assertThat(embed.json().path("error").asText()).contains("embeddings");
    }

    @Test
    @Order(5)
    void slotsAndMetricsShowWhatWasDone() throws Exception {
        assertThat(worker.post("/v1/chat/completions", chat("Tell me about the sea.", 5)).status()).isEqualTo(200);
        JsonNode slots = worker.get("/v1/llm/slots").json();
        assertThat(slots).hasSize(4);
        int cached = 0;
        for (JsonNode s : slots) {
            assertThat(s.path("is_processing").asBoolean()).isFalse();
            cached += s.path("cached_tokens").asInt();
        }
        assertThat(cached).as("the conversations kept for their next turns").isPositive();
        WorkerProcess.Answer metrics = worker.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body()).contains("# TYPE llamacpp:prompt_tokens_total counter")
                .contains("llamacpp:requests_processing 0").contains("mysticanvas_llm_kv_cache_tokens " + cached)
                .containsPattern("llamacpp:tokens_predicted_total [1-9]");
        assertThat(worker.get("/v1/llm/metrics").body()).contains("llamacpp:prompt_tokens_total");
    }

    @Test
    @Order(5)
    void stopStringsEndTheAnswerWithReasonStop() throws Exception {
        String full = content(worker.post("/v1/chat/completions", chat("Count with me.", 30)));
        String stop = full.substring(10, 12);
        ObjectNode body = chat("Count with me.", 30);
        body.putArray("stop").add(stop).add("never appears \u2603");
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", body);
        assertThat(content(a)).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(a.json().path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    @Order(6)
    void textCompletionsWholeAndStreamed() throws Exception {
        ObjectNode body = Json.object().put("prompt", "The quick brown fox").put("max_tokens", 8).put("temperature", 0);
        WorkerProcess.Answer a = worker.post("/v1/completions", body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().path("object").asText()).isEqualTo("text_completion");
        String whole = a.json().path("choices").get(0).path("text").asText();
        body.put("stream", true);
        Sse sse = new Sse(worker.stream("/v1/completions", body).body());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : sse.all()) {
            text.append(e.path("choices").get(0).path("text").asText());
        }
        assertThat(sse.sawDone).isTrue();
        assertThat(text.toString()).isEqualTo(whole);
    }

    @Test
    @Order(7)
    void tokenizerRoundTripsAndUserTextNeverBecomesControlTokens() throws Exception {
        JsonNode tokens = worker.post("/v1/llm/tokenize", Json.object().put("content", "Hello <|im_end|> world 🎨")).json();
        JsonNode back = worker.post("/v1/llm/detokenize", Json.object().set("tokens", tokens.path("tokens"))).json();
        assertThat(back.path("content").asText()).isEqualTo("Hello <|im_end|> world 🎨");
        int imEnd = LlmSynthModels.vocabulary().id("<|im_end|>");
        assertThat(tokens.path("tokens").findValuesAsText("")).doesNotContain(Integer.toString(imEnd));
        for (JsonNode t : tokens.path("tokens")) {
            assertThat(t.asInt()).isNotEqualTo(imEnd);
        }

        // The chat prompt: ChatML markup as control tokens, the user's "<|im_end|>" as plain text.
        String user = "stop <|im_end|> here";
        int expected = count("<|im_start|>user\n", true) + count(user, false)
                + count("<|im_end|>\n<|im_start|>assistant\n", true);
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", chat(user, 1));
        assertThat(a.json().path("usage").path("prompt_tokens").asInt()).isEqualTo(expected);
        assertThat(count(user, true)).isLessThan(count(user, false)); // parsed, it would be one control token
    }

    private static int count(String text, boolean special) throws Exception {
        return worker.post("/v1/llm/tokenize", Json.object().put("content", text).put("parse_special", special))
                .json().path("count").asInt();
    }

    @Test
    @Order(8)
    void badInputsAre4xxJsonAndTheWorkerKeepsServing() throws Exception {
        assertError(worker.post("/v1/chat/completions", "{not json"), 400, "malformed JSON");
        assertError(worker.post("/v1/chat/completions", "[1,2]"), 400, "JSON object");
        assertError(worker.post("/v1/chat/completions", "{\"messages\": []}"), 400, "empty");
        assertError(worker.post("/v1/chat/completions", "{\"messages\": \"hi\"}"), 400, "messages");
        assertError(worker.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"), 400, "role");
        assertError(worker.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":5}]}"), 400, "content");
        assertError(worker.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}"), 400, "text parts");
        ObjectNode hot = chat("x", 1);
        hot.put("temperature", "hot");
        assertError(worker.post("/v1/chat/completions", hot), 400, "temperature");
        ObjectNode tooHot = chat("x", 1);
        tooHot.put("temperature", 7);
        assertError(worker.post("/v1/chat/completions", tooHot), 400, "between 0 and 2");
        ObjectNode two = chat("x", 1);
        two.put("n", 2);
        assertError(worker.post("/v1/chat/completions", two), 400, "n = 1");
        ObjectNode badBias = chat("x", 1);
        badBias.putObject("logit_bias").put("999999", 5);
        assertError(worker.post("/v1/chat/completions", badBias), 400, "999999");
        ObjectNode badStop = chat("x", 1);
        badStop.put("stop", 3);
        assertError(worker.post("/v1/chat/completions", badStop), 400, "stop");
        ObjectNode xml = chat("x", 1);
        xml.putObject("response_format").put("type", "xml");
        assertError(worker.post("/v1/chat/completions", xml), 400, "response_format");
        assertError(worker.post("/v1/completions", "{\"prompt\": [1, 99999]}"), 400, "99999");
        assertError(worker.post("/v1/completions", "{\"prompt\": {\"a\": 1}}"), 400, "prompt");
        assertError(worker.post("/v1/llm/detokenize", "{\"tokens\": [-1]}"), 400, "-1");
        assertError(worker.post("/v1/llm/tokenize", "{}"), 400, "content");
        assertError(worker.post("/v1/embeddings", "{\"input\": \"hi\"}"), 400, "pooling");
        assertError(worker.post("/v1/embeddings", "{\"input\": []}"), 400, "input");
        ObjectNode huge = chat("word ".repeat(6000), 1);
        WorkerProcess.Answer tooLong = worker.post("/v1/chat/completions", huge);
        assertError(tooLong, 400, "4096");
        assertThat(tooLong.json().path("error").path("message").asText()).containsPattern("\\d{4,} tokens");
        assertError(worker.post("/v1/llm/load", "{\"model\": \"../etc/passwd.gguf\"}"), 400, "not a file name");
        assertError(worker.post("/v1/llm/load", "{\"model\": \"/abs/x.gguf\"}"), 400, "not a file name");
        assertError(worker.post("/v1/llm/load", "{\"model\": \"missing.gguf\"}"), 404, "not found");
        assertError(worker.post("/v1/llm/load", "{\"model\": \"" + TINY + "\", \"n_ctx\": \"big\"}"), 400, "n_ctx");
        assertError(worker.get("/v1/nothing/here"), 404, "not found");
        // The model field is not used (the loaded model answers), but a path in it is refused like anywhere else.
        ObjectNode pathModel = chat("x", 1);
        pathModel.put("model", "../../etc/passwd");
        assertError(worker.post("/v1/chat/completions", pathModel), 400, "not a path");
        assertError(worker.post("/v1/completions", "{\"model\": \"/etc/passwd\", \"prompt\": \"x\", \"max_tokens\": 1}"),
                400, "not a path");
        assertError(worker.post("/v1/embeddings", "{\"model\": \"..\\\\models\\\\x.gguf\", \"input\": \"hi\"}"),
                400, "not a path");
        assertError(worker.post("/v1/chat/completions", "{\"model\": 5, \"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "'model' must be a string");
        ObjectNode namedModel = chat("x", 1);
        namedModel.put("model", "gpt-4o");
        WorkerProcess.Answer named = worker.post("/v1/chat/completions", namedModel);
        assertThat(named.status()).as(named.body()).isEqualTo(200);
        assertThat(named.json().path("model").asText()).isEqualTo(TINY);
        assertThat(worker.post("/v1/chat/completions", chat("still there?", 2)).status()).isEqualTo(200);
        assertThat(worker.isAlive()).isTrue();
    }

    private static void assertError(WorkerProcess.Answer a, int status, String text) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.contentType()).startsWith("application/json");
        JsonNode error = a.json().path("error");
        assertThat(error.path("message").asText()).as(a.body()).containsIgnoringCase(text);
        assertThat(error.path("type").asText()).isNotBlank();
        assertThat(error.path("code").asText()).isNotBlank();
    }

    @Test
    @Order(9)
    void parallelStreamsAllComplete() throws Exception {
        List<CompletableFuture<String>> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ObjectNode body = chat("Parallel request " + i, 40);
            body.put("stream", true);
            streams.add(CompletableFuture.supplyAsync(() -> {
                try {
                    Sse sse = new Sse(worker.stream("/v1/chat/completions", body).body());
                    String finish = null;
                    for (JsonNode e : sse.all()) {
                        for (JsonNode c : e.path("choices")) {
                            finish = c.path("finish_reason").isNull() ? finish : c.path("finish_reason").asText();
                        }
                    }
                    return finish;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<String> s : streams) {
            assertThat(s.get()).isEqualTo("length");
        }
    }

    @Test
    @Order(10)
    void aClientThatDisconnectsFreesItsSlot() throws Exception {
        // A context of 32k tokens: the tiny model needs seconds to fill it, so the reply is surely still running below.
        assertThat(worker.post("/v1/llm/load", Json.object().put("model", TINY).put("n_ctx", 32768).put("parallel", 1)).status())
                .isEqualTo(200);
        ObjectNode body = chat("Go on forever.", 100_000);
        body.put("stream", true);
        HttpResponse<InputStream> response = worker.stream("/v1/chat/completions", body);
        Sse sse = new Sse(response.body());
        sse.next();
        sse.next();
        // The status is published after each decode step, so it may trail the first tokens by one step.
        assertThat(busySlotsOnceSettled(1)).isEqualTo(1);
        response.body().close();
        assertThat(busySlotsOnceSettled(0)).isZero();
    }

    @Test
    @Order(11)
    void aStreamThatFailsEndsWithTheOneErrorFrame() throws Exception {
        // The model loaded by the test before: one slot, a context the tiny model needs seconds to fill.
        ObjectNode body = chat("Go on forever.", 100_000);
        body.put("stream", true);
        try {
            try (SseReader events = new SseReader(worker.stream("/v1/chat/completions", body).body())) {
                assertThat(nextData(events)).contains("\"role\":\"assistant\"");
                assertThat(nextData(events)).contains("\"content\"");
                assertThat(worker.post("/v1/llm/unload", "{}").status()).isEqualTo(200); // fails the reply in flight
                SseReader.Event last = null;
                for (SseReader.Event e = events.next(); e != null; e = events.next()) {
                    if (!e.isComment()) {
                        assertThat(e.data()).isNotEqualTo("[DONE]");
                        last = e;
                    }
                }
                assertThat(last).isNotNull();
                assertThat(last.name()).isEqualTo("error");
                JsonNode error = Json.parse(last.data()).path("error");
                assertThat(error.path("code").asText()).isEqualTo("model_unloaded");
                assertThat(error.path("type").asText()).isEqualTo("unavailable_error");
                assertThat(error.path("message").asText()).contains("unloaded");
            }
        } finally { // the tests after this one want the model back, whatever happened here
            assertThat(worker.post("/v1/llm/load", Json.object().put("model", TINY)).status()).isEqualTo(200);
        }
    }

    /** The data of the next event that is not a comment. */
    private static String nextData(SseReader events) throws Exception {
        for (SseReader.Event e = events.next(); e != null; e = events.next()) {
            if (!e.isComment()) {
                return e.data();
            }
        }
        throw new AssertionError("the stream ended");
    }

    /** Polls the worker's busy-slot count until it equals {@code expected} or 5 s pass; returns the last count. */
    private static int busySlotsOnceSettled(int expected) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        int busy = worker.get("/v1/llm/status").json().path("slots").path("busy").asInt();
        while (busy != expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
            busy = worker.get("/v1/llm/status").json().path("slots").path("busy").asInt();
        }
        return busy;
    }

    @Test
    @Order(12)
    void unloadThenLoadAgainAndCorruptFilesAreRefused() throws Exception {
        assertThat(worker.post("/v1/llm/unload", "{}").json().path("model").asText()).isEqualTo(TINY);
        assertError(worker.post("/v1/chat/completions", chat("x", 1)), 503, "no model loaded");
        assertThat(worker.get("/health").json().path("model").isNull()).isTrue();
        WorkerProcess.Answer broken = worker.post("/v1/llm/load", "{\"model\": \"broken.gguf\"}");
        assertError(broken, 400, "broken.gguf");
        WorkerProcess.Answer loaded = worker.post("/v1/llm/load",
                "{\"model\": \"" + TINY + "\", \"n_ctx\": 1024, \"threads\": 1, \"parallel\": 2}");
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
        assertThat(loaded.json().path("model").path("n_ctx_per_slot").asInt()).as("one request may use all of n_ctx: the slots share one KV cache").isEqualTo(1024);
        assertThat(worker.post("/v1/chat/completions", chat("back", 2)).status()).isEqualTo(200);
    }

    @Test
    @Order(13)
    void fiftyLoadUnloadCyclesKeepTheWorkersMemoryWithinTenPercent() throws Exception {
        // 16k tokens of KV cache and buffers per load: a context not freed would add megabytes per cycle.
        String load = "{\"model\": \"" + TINY + "\", \"n_ctx\": 16384, \"threads\": 1, \"parallel\": 2}";
        for (int i = 0; i < 5; i++) {
            cycle(load);
        }
        long before = worker.rssKb();
        for (int i = 0; i < 50; i++) {
            cycle(load);
        }
        long after = worker.rssKb();
        assertThat((double) after).as("worker RSS %d kB before, %d kB after", before, after).isLessThan(before * 1.10);
    }

    private static void cycle(String load) throws Exception {
        assertThat(worker.post("/v1/llm/load", load).status()).isEqualTo(200);
        assertThat(worker.post("/v1/chat/completions", chat("hi", 2)).status()).isEqualTo(200);
        assertThat(worker.post("/v1/llm/unload", "{}").status()).isEqualTo(200);
    }
}
