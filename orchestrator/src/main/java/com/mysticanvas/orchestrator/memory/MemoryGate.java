package com.mysticanvas.orchestrator.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.orchestrator.workers.LlmWorkerApi;
import com.mysticanvas.orchestrator.workers.ReverseProxy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The memory arbiter in front of the proxied routes that start an image job or load a model: each asks
 * {@link MemoryArbiter} first, then goes on to its worker. Registered before the proxy's catch-all routes.
 */
public final class MemoryGate {
    /** Requests that start an image job on the SD worker. */
    static final List<String> IMAGE_JOB_PATHS = List.of(WorkerPaths.IMAGE_GENERATIONS, WorkerPaths.IMAGE_EDITS,
            WorkerPaths.A1111_TXT2IMG, WorkerPaths.A1111_IMG2IMG);

    /** Requests that generate with the LLM worker's model: one naming another GGUF of models/llm loads it first. */
    private static final String KEEP_ALIVE_BEGUN = "mysticanvas.keepAlive";
    static final List<String> LLM_GENERATION_PATHS = List.of(WorkerPaths.CHAT_COMPLETIONS, WorkerPaths.COMPLETIONS,
            WorkerPaths.EMBEDDINGS, "/v1/rerank", "/v1/reranking", "/api/chat", "/api/generate", "/api/embed",
            "/api/embeddings");

    private final MemoryArbiter memory;
    private final ReverseProxy proxy;
    private final ModelFolders folders;
    private final LlmWorkerApi llm;
    private final LlmKeepAlive keepAlive;
    private final Object onDemand = new Object();
    private final boolean anyModelName;
    private final Function<String, Optional<String>> downloadedAs;
    private final java.util.function.Predicate<String> servedElsewhere;
    private final java.util.function.BooleanSupplier llmRemote;

    /**
     * @param llm          says what it has loaded and loads another ({@link LlmWorkerApi#load} answers when it is loaded)
     * @param anyModelName a name that is no model file answers with the loaded model instead of a 404
     *                     ({@code --llm-any-model-name}, for clients that hard-code one)
     * @param downloadedAs the file a downloaded model's source name stands for ({@code hf.co/user/repo:Q4_K_M}, as an
     *                     Ollama client names a model it pulled)
     * @param servedElsewhere a model an external backend serves: its requests pass by (no local load, no keep-alive)
     * @param llmRemote    true while the serving LLM worker is on another machine: names are its files, not ours
     */
    public MemoryGate(MemoryArbiter memory, ReverseProxy proxy, ModelFolders folders, LlmWorkerApi llm,
                      LlmKeepAlive keepAlive, boolean anyModelName, Function<String, Optional<String>> downloadedAs,
                      java.util.function.Predicate<String> servedElsewhere, java.util.function.BooleanSupplier llmRemote) {
        this.llmRemote = llmRemote;
        this.anyModelName = anyModelName;
        this.downloadedAs = downloadedAs;
        this.servedElsewhere = servedElsewhere;
        this.keepAlive = keepAlive;
        this.memory = memory;
        this.proxy = proxy;
        this.folders = folders;
        this.llm = llm;
    }

    public void routes(RoutesConfig r) {
        for (String path : IMAGE_JOB_PATHS) {
            r.post(path, ctx -> {
                if (proxy.forwardedElsewhere(ctx)) {
                    return; // an external backend's job: its memory is another machine's
                }
                try (MemoryArbiter.Permit ignored = memory.beforeImageJob(HiresSize.largest(lenientJson(ctx)))) {
                    proxy.forward(ctx, WorkerKind.SD);
                }
            });
        }
        for (String path : LLM_GENERATION_PATHS) { // a before-handler: the proxy's own route for the path forwards it
            r.before(path, ctx -> {
                if (ctx.method() == HandlerType.POST) {
                    JsonNode body = lenientJson(ctx);
                    if (servedElsewhere.test(body.path("model").asText(null))) {
                        return; // an external backend's model: the proxy sends it there
                    }
                    try {
                        String model = body.path("model").asText(null);
                        Optional<String> file = model == null ? Optional.empty() : downloadedAs.apply(model);
                        if (file.isPresent() && body instanceof ObjectNode named) { // the worker knows files, not sources
                            named.put("model", file.get());
                            ctx.attribute(ReverseProxy.FORWARDED_BODY, Json.write(named).getBytes(StandardCharsets.UTF_8));
                            model = file.get();
                        }
                        loadOnDemand(model);
                    } catch (Problem p) {
                        if (!path.startsWith("/api/")) {
                            throw p;
                        }
                        // Ollama's clients read {"error": "..."}
                        ctx.status(HttpProblems.status(p.kind())).json(Json.object().put("error", p.getMessage()));
                        ctx.skipRemainingHandlers();
                        return;
                    }
                    keepAlive.begin(body.get("keep_alive"));
                    ctx.attribute(KEEP_ALIVE_BEGUN, true);
                }
            });
            r.after(path, ctx -> {
                if (Boolean.TRUE.equals(ctx.attribute(KEEP_ALIVE_BEGUN))) {
                    keepAlive.end();
                }
            });
        }
        r.post(WorkerPaths.LLM_LOAD, ctx -> {
            JsonNode body = lenientJson(ctx);
            memory.beforeModelLoad(WorkerKind.LLM, body.path("model").asText(null),
                    body instanceof ObjectNode o ? o : null);
            proxy.forward(ctx, WorkerKind.LLM);
        });
        r.post(WorkerPaths.SD_LOAD, ctx -> {
            memory.beforeModelLoad(WorkerKind.SD, lenientJson(ctx).path("checkpoint").asText(null));
            proxy.forward(ctx, WorkerKind.SD);
        });
        r.post(WorkerPaths.A1111_OPTIONS, ctx -> {
            // A1111 names a checkpoint "file.safetensors [hash]"; the file is what takes memory.
            memory.beforeModelLoad(WorkerKind.SD, lenientJson(ctx).path("sd_model_checkpoint").asText("")
                    .replaceAll("\\s*\\[[0-9a-fA-F]+]$", ""));
            proxy.forward(ctx, WorkerKind.SD);
        });
    }

    /**
     * Loads {@code model} first when it names a GGUF file of models/llm other than the loaded one, as Ollama and LM
     * Studio do: through the memory arbiter, one load at a time, requests for the same model waiting for it
     * ({@code name}, {@code name.gguf} and Ollama's {@code name:latest} all name {@code name.gguf}). No name goes on
     * to the loaded model; any other name is a 404 {@code model_not_found}, or, with {@code anyModelName}, goes on
     * to the loaded model too.
     */
    private void loadOnDemand(String model) {
        if (model == null || model.isBlank() || ModelFolders.isPathLike(model)) {
            return; // a path is the worker's 400 to give
        }
        String name = model.endsWith(":latest") ? model.substring(0, model.length() - ":latest".length()) : model;
        boolean remote = llmRemote.getAsBoolean();
        Optional<String> found = remote ? remoteFile(name) : localFile(name);
        if (found.isEmpty()) {
            if (anyModelName) {
                return;
            }
            throw new Problem(Problem.Kind.NOT_FOUND, "model_not_found", "model '" + model + "' is not a GGUF file of"
                    + (remote ? " the remote LLM worker's models" : " models/llm") + " (GET /v1/models lists them); start"
                    + " with --llm-any-model-name to let any name answer with the loaded model");
        }
        String file = found.get();
        synchronized (onDemand) {
            // asked of the worker, not its last health check: that snapshot can lag behind a load just made
            if (!file.equals(llm.loadedModel())) {
                memory.beforeModelLoad(WorkerKind.LLM, file);
                llm.load(file);
            }
        }
    }

    /** The GGUF of models/llm that {@code name} names ("name" finds name.gguf). */
    private Optional<String> localFile(String name) {
        try {
            return Optional.of(folders.find(ModelFolders.Kind.LLM, name).name());
        } catch (Problem notAFile) {
            return Optional.empty();
        }
    }

    /** The remote worker's model that {@code name} names, from the list it gives ({@code name} or {@code name.gguf}). */
    private Optional<String> remoteFile(String name) {
        for (JsonNode m : llm.models()) {
            String id = m.path("id").asText();
            if (id.equals(name) || id.equals(name + ".gguf")) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }

    /** The body as JSON when it is JSON (the worker answers malformed bodies itself), else an empty object. */
    private static JsonNode lenientJson(Context ctx) {
        try {
            return Json.MAPPER.readTree(ctx.bodyAsBytes());
        } catch (IOException | RuntimeException e) {
            return Json.object();
        }
    }
}
