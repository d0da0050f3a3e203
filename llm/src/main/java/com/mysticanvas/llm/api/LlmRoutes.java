package com.mysticanvas.llm.api;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.LoadOptions;
import io.javalin.config.RoutesConfig;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The LLM worker's routes (design, section 3). */
public final class LlmRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(LlmRoutes.class);

    private final LlmEngine engine;
    private final ModelFiles files;
    private final AdminRoutes admin;
    private final ChatCompletions chat;
    private final Completions completions;
    private final Embeddings embeddings;

    public LlmRoutes(LlmEngine engine, Path modelsDir) {
        this.engine = engine;
        this.files = new ModelFiles(new ModelFolders(modelsDir));
        this.admin = new AdminRoutes(engine, files);
        this.chat = new ChatCompletions(engine);
        this.completions = new Completions(engine);
        this.embeddings = new Embeddings(engine);
    }

    public void register(RoutesConfig routes) {
        routes.get("/health", admin::health);
        routes.post("/v1/chat/completions", chat::handle);
        routes.post("/v1/completions", completions::handle);
        routes.post("/v1/embeddings", embeddings::handle);
        routes.get("/v1/llm/models", admin::models);
        routes.post("/v1/llm/load", admin::load);
        routes.post("/v1/llm/unload", admin::unload);
        routes.get("/v1/llm/status", admin::status);
        routes.post("/v1/llm/tokenize", admin::tokenize);
        routes.post("/v1/llm/detokenize", admin::detokenize);
    }

    /** Loads {@code --llm-model}; a failure is logged (and shown in status), the worker keeps serving. */
    public void loadAtStartup(String name) {
        try {
            engine.load(files.resolve(name), name, LoadOptions.defaults());
        } catch (Problem e) {
            LOG.error("could not load --llm-model {}: {}", name, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("could not load --llm-model {}", name, e);
        }
    }
}
