package com.mysticanvas.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code GET /v1/models}: the OpenAI model list, merged from both workers' file lists, each entry
 * tagged {@code type: llm|image}. A worker that is down contributes nothing instead of failing the list.
 */
final class ModelCatalog {
    private final ProcessManager processes;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    ModelCatalog(ProcessManager processes) {
        this.processes = processes;
    }

    ObjectNode list() {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        addFrom(WorkerKind.LLM, "/v1/llm/models", "llm", data);
        addFrom(WorkerKind.SD, "/v1/models/checkpoints", "image", data);
        return out;
    }

    private void addFrom(WorkerKind kind, String path, String type, ArrayNode into) {
        int port = processes.supervisor(kind).readyPort();
        if (port == 0) {
            return;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5))
                    .header(Handshake.SECRET_HEADER, processes.secret())
                    .GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return;
            }
            for (JsonNode model : Json.parse(response.body()).path("data")) {
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
        } catch (IOException | RuntimeException e) {
            // Listed as absent; the worker's own state says why.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
