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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /v1/rerank} on the real worker with a reranker GGUF (the tiny model, bidirectional, with rank pooling). */
class RerankTest {
    static final String RERANKER = "tiny-reranker.gguf";

    @TempDir
    static Path root;
    static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        LlmSynthModels.write("tiny", root.resolve("models"));
        // rank pooling reads the first token: the attention must see the whole pair, as in BERT rerankers
        LlmSynthModels.tiny().bool("llama.attention.causal", false).u32("llama.pooling_type", 4).write(root.resolve("models/llm").resolve(RERANKER));
        worker = new WorkerProcess(root.resolve("models"), RERANKER).awaitModel(RERANKER);
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
    }

    private static ObjectNode request(String... documents) {
        ObjectNode body = Json.object().put("query", "What is the capital of France?");
        var docs = body.putArray("documents");
        for (String d : documents) {
            docs.add(d);
        }
        return body;
    }

    @Test
    void documentsComeBackMostRelevantFirstWithTheirScores() throws Exception {
        String[] docs = {"Paris is the capital of France.", "Bananas are yellow.", "The Seine flows through Paris.",
                "Berlin is in Germany."};
        WorkerProcess.Answer a = worker.post("/v1/rerank", request(docs).put("return_documents", true));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode results = a.json().path("results");
        assertThat(results).hasSize(4);
        List<Integer> indexes = new ArrayList<>();
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode r : results) {
            double score = r.path("relevance_score").asDouble();
            assertThat(score).isLessThanOrEqualTo(previous);
            previous = score;
            indexes.add(r.path("index").asInt());
            assertThat(r.path("document").path("text").asText()).isEqualTo(docs[r.path("index").asInt()]);
        }
        assertThat(indexes).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(results.get(0).path("relevance_score").asDouble())
                .as("random weights still tell documents apart").isNotEqualTo(results.get(3).path("relevance_score").asDouble());
        assertThat(a.json().path("usage").path("prompt_tokens").asInt()).isPositive();

        // the same pair scores the same alone, under another route name, and top_n keeps the best
        int best = results.get(0).path("index").asInt();
        JsonNode alone = worker.post("/rerank", request(docs[best])).json().path("results").get(0);
        assertThat(alone.path("relevance_score").asDouble()).isEqualTo(results.get(0).path("relevance_score").asDouble());
        JsonNode top = worker.post("/v1/reranking", request(docs).put("top_n", 2)).json().path("results");
        assertThat(top).hasSize(2);
        assertThat(top.get(0).path("index").asInt()).isEqualTo(best);
        assertThat(top.get(0).has("document")).isFalse();
    }

    @Test
    void badRequestsAndModelsThatAreNoRerankerAre400() throws Exception {
        assertThat(worker.post("/v1/rerank", Json.object().put("query", "q")).status()).isEqualTo(400);
        assertThat(worker.post("/v1/rerank", request()).status()).isEqualTo(400);
        assertThat(worker.post("/v1/rerank", request("a").put("top_n", 0)).status()).isEqualTo(400);
        try {
            assertThat(worker.post("/v1/llm/load", Json.object().put("model", LlmSynthModels.TINY_FILE)).status()).isEqualTo(200);
            WorkerProcess.Answer a = worker.post("/v1/rerank", request("a"));
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.json().path("error").path("message").asText()).contains("not a reranker");
        } finally {
            worker.post("/v1/llm/load", Json.object().put("model", RERANKER));
        }
    }
}
