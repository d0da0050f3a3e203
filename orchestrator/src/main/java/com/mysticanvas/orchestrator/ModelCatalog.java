package com.mysticanvas.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import java.time.Duration;

/**
 * {@code GET /v1/models}: the OpenAI model list, merged from both workers' file lists, each entry
 * tagged {@code type: llm|image}. A worker that is down contributes nothing instead of failing the list.
 */
final class ModelCatalog {
    private final WorkerClient workers;

    ModelCatalog(WorkerClient workers) {
        this.workers = workers;
    }

    ObjectNode list() {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        addFrom(WorkerKind.LLM, "/v1/llm/models", "llm", data);
        addFrom(WorkerKind.SD, "/v1/models/checkpoints", "image", data);
        return out;
    }

    private void addFrom(WorkerKind kind, String path, String type, ArrayNode into) {
        JsonNode models;
        try {
            models = workers.get(kind, path, Duration.ofSeconds(5)).path("data");
        } catch (RuntimeException e) {
            return; // listed as absent; the worker's own state says why
        }
        for (JsonNode model : models) {
            if (model.hasNonNull("id")) {
                ObjectNode entry = into.addObject();
                entry.put("id", model.get("id").asText());
                entry.put("object", "model");
                entry.put("created", model.path("created").asLong(0));
                entry.put("owned_by", "mysticanvas");
                entry.put("type", type);
                model.properties().forEach(field -> {
                    if (!entry.has(field.getKey())) {
                        entry.set(field.getKey(), field.getValue());
                    }
                });
            }
        }
    }
}
