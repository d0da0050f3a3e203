package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.llm.engine.EngineStatus;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.ModelInfo;

/** The loaded model, or the 503 that says why there is none (a failed engine, a model still loading, none). */
final class Models {
    private Models() {}

    /**
     * Refuses (400) a request whose {@code model} is not a string or looks like a path: models are named by a file
     * name, wherever a name appears. Any plain name passes ({@code gpt-4o}): the loaded model answers.
     */
    static void checkRequested(JsonNode body) {
        ModelFolders.requirePlainName("model", Fields.text(body, "model", null));
    }

    static ModelInfo loaded(LlmEngine engine) {
        EngineStatus s = engine.status();
        s.requireRunning();
        if (s.model() != null) {
            return s.model();
        }
        if (s.loading() != null) {
            throw Problem.unavailable("model_loading", "model '" + s.loading() + "' is still loading ("
                    + Math.round(s.loadProgress() * 100) + "%); try again shortly");
        }
        throw Problem.noModelLoaded("load one with POST /v1/llm/load");
    }
}
