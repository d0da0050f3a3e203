package com.mysticanvas.llm;

import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerServer;
import com.mysticanvas.llm.api.LlmRoutes;
import com.mysticanvas.llm.engine.LlamaEngine;
import com.mysticanvas.llm.llama.LlamaLog;

/**
 * Entry point of {@code --mode llm-worker}: llama.cpp behind an OpenAI-compatible HTTP API on 127.0.0.1.
 * The model given with {@code --llm-model} is loaded in the background once the handshake is out, so the
 * orchestrator sees the worker (and its {@code loading} state) at once.
 */
public final class LlmWorker {
    private LlmWorker() {}

    public static void run(WorkerConfig config) {
        LlamaLog.setLevel(config.logLevel());
        LlamaEngine engine = new LlamaEngine(Math.max(1, config.threads()), config.limits().llmQueue(),
                config.limits().maxTokens());
        LlmRoutes routes = new LlmRoutes(engine, config.models());
        WorkerServer.start(WorkerKind.LLM, config, routes::register);
        Runtime.getRuntime().addShutdownHook(new Thread(engine::close, "llama-close"));
        if (config.startupModel() != null && !config.startupModel().isBlank()) {
            Thread.ofVirtual().name("startup-load").start(() -> routes.loadAtStartup(config.startupModel()));
        }
    }
}
