package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.ModelInfo;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code POST /v1/rerank} (and {@code /rerank}, {@code /v1/reranking}), llama-server's and Jina / Cohere's shape:
 * {@code {query, documents: [text], top_n, return_documents}} → {@code {results: [{index, relevance_score,
 * document?}]}}, most relevant first, scored by a reranker GGUF (rank pooling). Each document runs as its own task
 * between decode steps.
 */
final class Rerank {
    static final List<String> PATHS = List.of("/v1/rerank", "/rerank", "/v1/reranking");
    private static final int MAX_DOCUMENTS = 256;

    private final LlmEngine engine;

    Rerank(LlmEngine engine) {
        this.engine = engine;
    }

    void handle(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        Models.checkRequested(body);
        ModelInfo model = Models.loaded(engine);
        String query = Fields.requiredText(body, "query");
        JsonNode docs = body.get("documents");
        if (docs == null || !docs.isArray() || docs.isEmpty() || docs.size() > MAX_DOCUMENTS) {
            throw Problem.badInput("'documents' must be an array of 1 to " + MAX_DOCUMENTS + " texts");
        }
        List<String> documents = new ArrayList<>();
        for (JsonNode d : docs) {
            // Cohere's clients may send {"text": ...} objects
            JsonNode text = d.isObject() ? d.get("text") : d;
            if (text == null || !text.isTextual()) {
                throw Problem.badInput("'documents' items must be texts (or {\"text\": ...})");
            }
            documents.add(text.asText());
        }
        int topN = (int) Fields.integer(body, "top_n", 1, MAX_DOCUMENTS, documents.size());
        boolean returnDocuments = Fields.bool(body, "return_documents", false);
        record Scored(int index, float score) {}
        List<Scored> scored = new ArrayList<>();
        int[] tokens = {0};
        for (int i = 0; i < documents.size(); i++) {
            String document = documents.get(i);
            float score = engine.withModel(m -> {
                tokens[0] += m.tokenize(query, false, false).length + m.tokenize(document, false, false).length;
                return m.rank(query, document);
            });
            scored.add(new Scored(i, score));
        }
        scored.sort(Comparator.comparingDouble(Scored::score).reversed());
        ObjectNode out = Json.object().put("object", "list").put("model", model.file());
        ArrayNode results = out.putArray("results");
        for (Scored s : scored.subList(0, Math.min(topN, scored.size()))) {
            ObjectNode r = results.addObject().put("index", s.index()).put("relevance_score", s.score());
            if (returnDocuments) {
                r.putObject("document").put("text", documents.get(s.index()));
            }
        }
        out.putObject("usage").put("prompt_tokens", tokens[0]).put("total_tokens", tokens[0]);
        ctx.json(out);
    }
}
