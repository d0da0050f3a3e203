package com.mysticanvas.llm.api;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.LoadOptions;
import io.javalin.config.RoutesConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LLM worker's routes, as docs/api.md lists them: {@code /health}, OpenAI's chat completions, completions and
 * embeddings, and the worker's own {@code /v1/llm/*} (model files, load, unload, status, tokenizer). Those the
 * orchestrator calls itself are spelled once, in {@link WorkerPaths}; it proxies the rest as they are.
 */
public final class LlmRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(LlmRoutes.class);

    private final LlmEngine engine;
    private final ModelFiles files;
    private final AdminRoutes admin;
    private final ChatCompletions chat;
    private final Completions completions;
    private final Embeddings embeddings;
    private final OllamaApi ollama;

    public LlmRoutes(LlmEngine engine, ModelFolders folders) {
        this.engine = engine;
        this.files = new ModelFiles(folders);
        this.admin = new AdminRoutes(engine, files);
        this.chat = new ChatCompletions(engine);
        this.completions = new Completions(engine);
        this.embeddings = new Embeddings(engine);
        this.ollama = new OllamaApi(engine, files);
    }

    public void register(RoutesConfig routes) {
        routes.get(WorkerPaths.HEALTH, admin::health);
        routes.post(WorkerPaths.CHAT_COMPLETIONS, chat::handle);
        routes.post(WorkerPaths.COMPLETIONS, completions::handle);
        routes.post(WorkerPaths.EMBEDDINGS, embeddings::handle);
        Rerank rerank = new Rerank(engine);
        Rerank.PATHS.forEach(path -> routes.post(path, rerank::handle));
        routes.get(WorkerPaths.LLM_MODELS, admin::models);
        routes.post(WorkerPaths.LLM_LOAD, admin::load);
        routes.post(WorkerPaths.LLM_ESTIMATE, admin::estimate);
        routes.post(WorkerPaths.LLM_UNLOAD, admin::unload);
        routes.get(WorkerPaths.LLM_STATUS, admin::status);
        routes.get("/v1/llm/slots", admin::slots);
        routes.get("/metrics", admin::metrics);
        routes.get("/v1/llm/metrics", admin::metrics);
        // Ollama's API (the orchestrator passes these paths on: ReverseProxy.ROUTES)
        routes.post("/api/chat", OllamaApi.ollamaErrors(ollama::chat));
        routes.post("/api/generate", OllamaApi.ollamaErrors(ollama::generate));
        routes.get("/api/tags", OllamaApi.ollamaErrors(ollama::tags));
        routes.post("/api/show", OllamaApi.ollamaErrors(ollama::show));
        routes.get("/api/ps", OllamaApi.ollamaErrors(ollama::ps));
        routes.post("/api/embed", OllamaApi.ollamaErrors(ctx -> ollama.embed(ctx, false)));
        routes.post("/api/embeddings", OllamaApi.ollamaErrors(ctx -> ollama.embed(ctx, true)));
        routes.get("/api/version", OllamaApi.ollamaErrors(ollama::version));
        routes.post("/v1/llm/tokenize", admin::tokenize);
        routes.post("/v1/llm/detokenize", admin::detokenize);
    }

    /** Loads {@code --llm-model}; a failure is logged (and shown in status), the worker keeps serving. */
    public void loadAtStartup(String name) {
        try {
            ModelFolders.Named model = files.find(name);
            engine.load(model.path(), model.name(), LoadOptions.defaults());
        } catch (Problem e) {
            LOG.error("could not load --llm-model {}: {}", name, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("could not load --llm-model {}", name, e);
        }
    }
}
