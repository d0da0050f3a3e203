package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.worker.WorkerPaths;
import java.time.Duration;

/**
 * What the orchestrator asks of a language-model backend. Today that is the local LLM worker, through
 * {@link #over(WorkerEndpoint)}; a worker on another machine or an OpenAI-compatible server is another
 * implementation of the same questions. Failures are {@link com.mysticanvas.core.Problem}s.
 */
public interface LlmWorkerApi {
    /** The model files it can load, as its {@code GET /v1/llm/models} lists them ({@code data}). */
    JsonNode models();

    /** A chat completion streamed as OpenAI chunks ({@code stream} is set); a refused request throws before anything streams. */
    SseReader chat(ObjectNode request);

    /** The model file loaded now, asked of the backend itself (not a health check's snapshot); null: none. */
    String loadedModel();

    void load(String model);

    /** What loading a model with the options of {@code loadBody} would take ({@code POST /v1/llm/estimate}). */
    JsonNode estimate(ObjectNode loadBody);

    void unload();

    /** The local LLM worker's HTTP API. */
    static LlmWorkerApi over(WorkerEndpoint worker) {
        return new LlmWorkerApi() {
            @Override
            public JsonNode models() {
                return worker.get(WorkerPaths.LLM_MODELS, Duration.ofSeconds(5)).path("data");
            }

            @Override
            public SseReader chat(ObjectNode request) {
                return worker.openStream(WorkerPaths.CHAT_COMPLETIONS, request.put("stream", true));
            }

            @Override
            public String loadedModel() {
                return worker.get(WorkerPaths.LLM_STATUS, Duration.ofSeconds(5)).path("model").asText(null);
            }

            @Override
            public void load(String model) {
                worker.post(WorkerPaths.LLM_LOAD, Json.object().put("model", model));
            }

            @Override
            public JsonNode estimate(ObjectNode loadBody) {
                return worker.post(WorkerPaths.LLM_ESTIMATE, loadBody);
            }

            @Override
            public void unload() {
                worker.post(WorkerPaths.LLM_UNLOAD, Json.object());
            }
        };
    }
}
