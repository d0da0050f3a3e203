package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.synth.LlmSynthModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama-server's load options on the real worker and llama.cpp: flash attention, quantized KV caches, batch sizes,
 * n_gpu_layers auto and n_cpu_moe reach llama.cpp (the model loads and generates with each), are reported back,
 * and what llama.cpp would refuse is a 400 first; /v1/llm/estimate sizes the KV cache of the asked context.
 */
class LoadOptionsWorkerTest {
    static final String TINY = LlmSynthModels.TINY_FILE;
    /** The tiny model with 2 heads of 32 (same tensors): quantized caches need heads a multiple of their 32-wide blocks. */
    static final String WIDE_HEADS = "tiny-wide-heads.gguf";
    /** The tiny model with bidirectional attention and mean pooling: a BERT-style embedding model. */
    static final String BIDIRECTIONAL = "tiny-bidirectional.gguf";
    /** The tiny model trained for 2^18 tokens: a reply that cannot end by itself for minutes. */
    static final String LONG = "tiny-long.gguf";
    /** The tiny model as llama.cpp's gguf-split writes it, in three shards. */
    static final String SPLIT_PREFIX = "tiny-split";

    @TempDir
    static Path root;
    static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        LlmSynthModels.write("tiny", root.resolve("models"));
        LlmSynthModels.tiny().u32("llama.attention.head_count", 2).u32("llama.attention.head_count_kv", 2)
                .u32("llama.rope.dimension_count", 32)
                .write(root.resolve("models/llm").resolve(WIDE_HEADS));
        LlmSynthModels.tiny().bool("llama.attention.causal", false).u32("llama.pooling_type", 1)
                .write(root.resolve("models/llm").resolve(BIDIRECTIONAL));
        LlmSynthModels.tiny().u32("llama.context_length", 1 << 18).write(root.resolve("models/llm").resolve(LONG));
        LlmSynthModels.tiny().writeSplit(root.resolve("models/llm"), SPLIT_PREFIX, 3);
        worker = new WorkerProcess(root.resolve("models"), null);
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
    }

    @Test
    void aSplitGgufIsListedByItsFirstShardAndAnswersAsTheWholeFileDoes() throws Exception {
        JsonNode listed = worker.get("/v1/llm/models").json().path("data");
        assertThat(listed).extracting(m -> m.path("id").asText()).contains(SPLIT_PREFIX + "-00001-of-00003.gguf")
                .doesNotContain(SPLIT_PREFIX + "-00002-of-00003.gguf", SPLIT_PREFIX + "-00003-of-00003.gguf");
        String[] replies = new String[2];
        String[] models = {TINY, SPLIT_PREFIX + "-00001-of-00003.gguf"};
        for (int i = 0; i < 2; i++) {
            WorkerProcess.Answer loaded = worker.post("/v1/llm/load", Json.object().put("model", models[i]).put("n_ctx", 512)
                    .put("parallel", 1).put("threads", 1));
            assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
            WorkerProcess.Answer chat = worker.post("/v1/chat/completions", LlmWorkerHttpTest.chat("Tell me about the sea.", 12));
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            replies[i] = chat.json().path("choices").get(0).path("message").path("content").asText();
        }
        assertThat(replies[1]).as("the same weights from three files: the same greedy reply").isEqualTo(replies[0]).isNotEmpty();
    }

    private static ObjectNode load() {
        return Json.object().put("model", WIDE_HEADS).put("n_ctx", 2048).put("parallel", 2).put("threads", 1);
    }

    @Test
    void eachOptionReachesLlamaCppAndTheModelGenerates() throws Exception {
        ObjectNode[] loads = {
                load().put("flash_attn", "on").put("cache_type_k", "q8_0").put("cache_type_v", "q8_0"),
                load().put("flash_attn", "off").put("cache_type_k", "q4_0"),
                load().put("flash_attn", true).put("cache_type_k", "bf16").put("cache_type_v", "q4_0"),
                load().put("n_batch", 64).put("n_ubatch", 32),
                load().put("n_gpu_layers", "auto").put("n_cpu_moe", 2)};
        for (ObjectNode body : loads) {
            WorkerProcess.Answer a = worker.post("/v1/llm/load", body);
            assertThat(a.status()).as("%s: %s", body, a.body()).isEqualTo(200);
            JsonNode model = a.json().path("model");
            String flash = body.has("flash_attn") ? (body.get("flash_attn").asText().equals("true") ? "on"
                    : body.get("flash_attn").asText()) : "auto";
            assertThat(model.path("flash_attn").asText()).isEqualTo(flash);
            assertThat(model.path("cache_type_k").asText()).isEqualTo(body.path("cache_type_k").asText("f16"));
            assertThat(model.path("cache_type_v").asText()).isEqualTo(body.path("cache_type_v").asText("f16"));
            assertThat(model.path("n_batch").asInt()).isEqualTo(body.path("n_batch").asInt(512));
            assertThat(model.path("n_ubatch").asInt()).isEqualTo(body.path("n_ubatch").asInt(model.path("n_batch").asInt()));
            if (body.has("n_gpu_layers")) {
                assertThat(model.path("n_gpu_layers").asInt()).as("auto on the CPU build: no GPU").isZero();
                assertThat(model.path("n_cpu_moe").asInt()).isEqualTo(2);
            }
            // a prompt longer than a micro-batch, so several passes run
            WorkerProcess.Answer chat = worker.post("/v1/chat/completions", LlmWorkerHttpTest.chat("word ".repeat(80), 8));
            assertThat(chat.status()).as("%s: %s", body, chat.body()).isEqualTo(200);
            assertThat(chat.json().path("usage").path("completion_tokens").asInt()).isEqualTo(8);
        }
    }

    @Test
    void optionsLlamaCppWouldRefuseAre400() throws Exception {
        assertError(load().put("flash_attn", "off").put("cache_type_v", "q4_0"), "needs flash attention");
        assertError(load().put("cache_type_k", "q3_k"), "cache_type_k must be one of");
        assertError(load().put("flash_attn", "sometimes"), "flash_attn must be");
        assertError(load().put("n_batch", 32).put("n_ubatch", 64), "n_ubatch 64 is larger than n_batch 32");
        assertError(load().put("n_gpu_layers", "most"), "n_gpu_layers");
        // llama.cpp's own refusal, named: heads of 16 cannot hold 32-wide q8_0 blocks
        assertError(load().put("model", TINY).put("cache_type_k", "q8_0"), "does not divide");
    }

    private static void assertError(ObjectNode body, String text) throws Exception {
        WorkerProcess.Answer a = worker.post("/v1/llm/load", body);
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.json().path("error").path("message").asText()).contains(text);
    }

    @Test
    void theEstimateCountsTheKvCacheOfTheAskedContextAndCacheTypes() throws Exception {
        // 2 layers, 2 KV heads of 32: 512 bytes a token in f16, 272 in q8_0
        JsonNode f16 = worker.post("/v1/llm/estimate", load().put("n_ctx", 8192)).json();
        assertThat(f16.path("n_ctx").asInt()).isEqualTo(8192);
        assertThat(f16.path("kv_bytes").asLong()).isEqualTo(8192L * 512);
        assertThat(f16.path("weights_bytes").asLong()).isEqualTo(java.nio.file.Files.size(root.resolve("models/llm").resolve(WIDE_HEADS)));
        JsonNode q8 = worker.post("/v1/llm/estimate", load().put("n_ctx", 8192).put("cache_type_k", "q8_0")
                .put("cache_type_v", "q8_0")).json();
        assertThat(q8.path("kv_bytes").asLong()).isEqualTo(8192L * 272);
        JsonNode defaults = worker.post("/v1/llm/estimate", Json.object().put("model", WIDE_HEADS)).json();
        assertThat(defaults.path("n_ctx").asInt()).as("4 slots of the trained 4096").isEqualTo(4 * 4096);
        assertThat(worker.post("/v1/llm/estimate", Json.object().put("model", "missing.gguf")).status()).isEqualTo(404);
    }

    /**
     * A BERT-style model (attention over the whole input) loads as an embedding model: no chat, and inputs as long
     * as its context in one pass, not just one 512-token batch.
     */
    @Test
    void aBidirectionalModelIsAnEmbeddingModelTakingInputsAsLongAsItsContext() throws Exception {
        WorkerProcess.Answer a = worker.post("/v1/llm/load", Json.object().put("model", BIDIRECTIONAL).put("threads", 1));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().path("model").path("embeddings").asBoolean()).isTrue();
        assertThat(a.json().path("model").path("n_batch").asInt()).as(a.body()).isGreaterThanOrEqualTo(4096);
        WorkerProcess.Answer chat = worker.post("/v1/chat/completions", LlmWorkerHttpTest.chat("hi", 2));
        assertThat(chat.status()).isEqualTo(400);
        assertThat(chat.json().path("error").path("message").asText()).contains("only makes embeddings");
        String longText = "word ".repeat(1500);
        WorkerProcess.Answer e = worker.post("/v1/embeddings", Json.object().put("input", longText));
        assertThat(e.status()).as(e.body()).isEqualTo(200);
        assertThat(e.json().path("usage").path("prompt_tokens").asInt()).isGreaterThan(1000);
        assertThat(e.json().path("data").get(0).path("embedding").size()).isEqualTo(64);
    }

    /** A client that stops waiting for a non-streamed answer stops its generation: the slot is free at once. */
    @Test
    void aNonStreamedRequestStopsWhenItsClientGoesAway() throws Exception {
        WorkerProcess.Answer loaded = worker.post("/v1/llm/load", Json.object().put("model", LONG).put("n_ctx", 1 << 18)
                .put("parallel", 1).put("threads", 1));
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
        ObjectNode body = LlmWorkerHttpTest.chat("tell me everything", 250_000); // minutes of tokens, ends banned
        byte[] json = Json.write(body).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", worker.port())) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + worker.secretHeaderLine() + "Content-Length: " + json.length + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.getOutputStream().write(json);
            socket.getOutputStream().flush();
            awaitBusySlots(1);
        } // the client hangs up
        awaitBusySlots(0);
        // a request that waits for its answer still gets it
        WorkerProcess.Answer whole = worker.post("/v1/chat/completions", LlmWorkerHttpTest.chat("hi", 4));
        assertThat(whole.status()).as(whole.body()).isEqualTo(200);
        assertThat(whole.json().path("usage").path("completion_tokens").asInt()).isEqualTo(4);
    }

    private static void awaitBusySlots(int busy) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (worker.get("/v1/llm/status").json().path("slots").path("busy").asInt() != busy) {
            assertThat(System.currentTimeMillis()).as("slots busy to become %d", busy).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
