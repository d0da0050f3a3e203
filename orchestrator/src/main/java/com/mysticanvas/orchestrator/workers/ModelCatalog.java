package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /v1/models}: the OpenAI model list, merged from both workers' file lists, each entry
 * tagged {@code type: llm|image}, then the external backends' models (each marked with its {@code backend}). A worker
 * that is down contributes nothing instead of failing the list.
 */
public final class ModelCatalog {
    private final LlmWorkerApi llm;
    private final SdWorkerApi sd;
    private final Supplier<List<ObjectNode>> external;

    public ModelCatalog(LlmWorkerApi llm, SdWorkerApi sd, Supplier<List<ObjectNode>> external) {
        this.llm = llm;
        this.sd = sd;
        this.external = external;
    }

    public ObjectNode list() {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        addFrom(llm::models, "llm", data);
        addFrom(sd::checkpoints, "image", data);
        external.get().forEach(data::add);
        return out;
    }

    private static void addFrom(Supplier<JsonNode> list, String type, ArrayNode into) {
        JsonNode models;
        try {
            models = list.get();
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
