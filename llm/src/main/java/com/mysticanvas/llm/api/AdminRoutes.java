package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.llm.engine.EngineCounters;
import com.mysticanvas.llm.engine.EngineStatus;
import com.mysticanvas.llm.engine.SlotStatus;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.LoadOptions;
import com.mysticanvas.llm.gguf.GgmlType;
import com.mysticanvas.llm.engine.ModelInfo;
import com.mysticanvas.llm.llama.LlamaRuntime;
import io.javalin.http.Context;
import java.nio.file.Path;

/**
 * The worker's own routes: {@code /health}, model files, load/unload, status, tokenizer.
 */
final class AdminRoutes {
    private static final int MAX_THREADS = 1024;

    private final LlmEngine engine;
    private final ModelFiles files;

    AdminRoutes(LlmEngine engine, ModelFiles files) {
        this.engine = engine;
        this.files = files;
    }

    /**
     * {@code GET /health}: answers at once, whatever the engine is doing; 503 ({@code engine_failed}) once the engine
     * failed, so that the orchestrator's supervisor, which restarts a worker after a few failed checks, restarts it.
     */
    void health(Context ctx) {
        EngineStatus s = engine.status();
        s.requireRunning();
        ObjectNode health = Json.object().put("status", "ok");
        health.put("model", s.model() == null ? null : s.model().file());
        health.put("loading", s.loading());
        health.put("slots_busy", s.busySlots());
        health.put("queue", s.queued());
        // its own memory, for an orchestrator on another machine (a local one reads /proc itself)
        com.mysticanvas.core.system.ProcessMemory.self().ifPresent(m -> health.put("rss_bytes", m.rssBytes()));
        health.set("devices", Json.MAPPER.valueToTree(engine.devices())); // what it computes on: its GPUs and their memory
        ctx.json(health);
    }

    /** {@code GET /v1/llm/models}: the GGUF files in models/llm with their header facts. */
    void models(Context ctx) {
        EngineStatus s = engine.status();
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (ModelFiles.Entry e : files.list()) {
            ObjectNode m = data.addObject();
            m.put("id", e.name());
            m.put("object", "model");
            m.put("created", e.modified().toMillis() / 1000);
            m.put("owned_by", "mysticanvas");
            m.put("size_bytes", e.size());
            m.put("loaded", s.model() != null && s.model().file().equals(e.name()));
            if (e.info() != null) {
                m.put("name", e.info().name());
                m.put("architecture", e.info().architecture());
                m.put("parameters", e.info().parameterCount());
                m.put("context_length", e.info().contextLength());
                m.put("quantization", e.info().quantization());
                m.put("has_chat_template", e.info().hasChatTemplate());
                m.put("embeddings", e.info().poolingType() > 0);
            } else {
                m.put("error", e.error());
            }
        }
        ctx.json(out);
    }

    /**
     * {@code POST /v1/llm/load} {@code {model, n_ctx, threads, n_gpu_layers (a number or "auto"), parallel, flash_attn
     * ("auto", "on", "off" or a boolean), cache_type_k, cache_type_v ("f16", "q8_0", "q4_0" ...), n_batch, n_ubatch,
     * n_cpu_moe}}; answers when loaded.
     */
    void load(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        String name = Fields.requiredText(body, "model");
        ModelFolders.Named model = files.find(name);
        LoadOptions options = loadOptions(body);
        ModelInfo info = engine.load(model.path(), model.name(), options);
        ctx.json(Json.object().put("status", "loaded").set("model", describe(info)));
    }

    /**
     * {@code POST /v1/llm/estimate}, the body of a load: what it would take, without loading, for the orchestrator's
     * memory arbiter: {@code {model, n_ctx, weights_bytes, kv_bytes (-1: unknown)}}.
     */
    void estimate(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        String name = Fields.requiredText(body, "model");
        LoadOptions.Estimate e = loadOptions(body).estimate(files.resolve(name), name);
        ctx.json(Json.object().put("model", name).put("n_ctx", e.contextSize()).put("weights_bytes", e.weightsBytes())
                .put("kv_bytes", e.kvBytes()));
    }

    static LoadOptions loadOptions(JsonNode body) {
        JsonNode gpu = body.get("n_gpu_layers");
        int gpuLayers = gpu != null && gpu.isTextual() && gpu.asText().equals("auto") ? LoadOptions.GPU_LAYERS_AUTO
                : (int) Fields.integer(body, "n_gpu_layers", -1, 100_000, LoadOptions.GPU_LAYERS_ALL);
        try {
            return new LoadOptions(
                    (int) Fields.integer(body, "n_ctx", 0, 1 << 24, 0),
                    (int) Fields.integer(body, "threads", 0, MAX_THREADS, 0),
                    gpuLayers,
                    (int) Fields.integer(body, "parallel", 0, 64, 0),
                    flashAttention(body.get("flash_attn")),
                    cacheType(body, "cache_type_k"), cacheType(body, "cache_type_v"),
                    (int) Fields.integer(body, "n_batch", 0, 1 << 16, 0),
                    (int) Fields.integer(body, "n_ubatch", 0, 1 << 16, 0),
                    (int) Fields.integer(body, "n_cpu_moe", 0, 100_000, 0));
        } catch (IllegalArgumentException e) {
            throw Problem.badInput(e.getMessage());
        }
    }

    private static LoadOptions.FlashAttention flashAttention(JsonNode value) {
        if (value == null || value.isNull()) {
            return LoadOptions.FlashAttention.AUTO;
        }
        if (value.isBoolean()) {
            return value.asBoolean() ? LoadOptions.FlashAttention.ON : LoadOptions.FlashAttention.OFF;
        }
        return switch (value.asText().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> LoadOptions.FlashAttention.AUTO;
            case "on", "true", "enabled" -> LoadOptions.FlashAttention.ON;
            case "off", "false", "disabled" -> LoadOptions.FlashAttention.OFF;
            default -> throw Problem.badInput("flash_attn must be \"auto\", \"on\" or \"off\", got " + value);
        };
    }

    private static GgmlType cacheType(JsonNode body, String field) {
        String name = Fields.text(body, field, "f16");
        for (GgmlType t : LoadOptions.CACHE_TYPES) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw Problem.badInput(field + " must be one of " + LoadOptions.CACHE_TYPES.stream()
                .map(t -> t.name().toLowerCase(java.util.Locale.ROOT)).toList() + ", got '" + name + "'");
    }

    /** {@code POST /v1/llm/unload}. */
    void unload(Context ctx) {
        ModelInfo before = engine.status().model();
        engine.unload();
        ctx.json(Json.object().put("status", "unloaded").put("model", before == null ? null : before.file()));
    }

    /** {@code GET /v1/llm/status}. */
    void status(Context ctx) {
        EngineStatus s = engine.status();
        ObjectNode out = Json.object();
        out.put("model", s.model() == null ? null : s.model().file());
        out.put("loading", s.loading());
        out.put("load_progress", s.loading() == null ? null : Math.round(s.loadProgress() * 1000) / 1000.0);
        out.put("last_error", s.lastError());
        out.put("failure", s.failure());
        if (s.model() != null) {
            ModelInfo m = s.model();
            out.set("model_info", describe(m));
            out.putObject("context").put("n_ctx", m.contextSize()).put("per_slot", m.slotContext())
                    .put("train", m.trainContext());
            out.putObject("slots").put("total", m.slots()).put("busy", s.busySlots()).put("free", s.freeSlots());
        }
        out.put("queue", s.queued());
        out.put("last_prompt_tokens_per_second", Math.round(s.lastPromptPerSecond() * 100) / 100.0);
        out.put("last_generation_tokens_per_second", Math.round(s.lastGenerationPerSecond() * 100) / 100.0);
        ctx.json(out);
    }

    /** {@code GET /v1/llm/slots}: what each slot holds, as llama-server's {@code /slots}. */
    void slots(Context ctx) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (SlotStatus s : engine.status().slots()) {
            out.addObject().put("id", s.id()).put("is_processing", s.busy()).put("cached_tokens", s.cachedTokens())
                    .put("prompt_tokens", s.promptTokens()).put("prompt_tokens_processed", s.promptDone())
                    .put("generated_tokens", s.generated()).put("idle_ms", s.idleMillis());
        }
        ctx.json(out);
    }

    /**
     * {@code GET /metrics} (and {@code /v1/llm/metrics}, which the orchestrator passes on): Prometheus text with
     * llama-server's metric names where it has them.
     */
    void metrics(Context ctx) {
        EngineStatus s = engine.status();
        EngineCounters c = s.counters();
        int cached = s.slots().stream().mapToInt(SlotStatus::cachedTokens).sum();
        StringBuilder out = new StringBuilder();
        metric(out, "llamacpp:prompt_tokens_total", "counter", "Prompt tokens processed (reused ones included).", c.promptTokens());
        metric(out, "llamacpp:prompt_seconds_total", "counter", "Prompt processing time.", c.promptSeconds());
        metric(out, "llamacpp:tokens_predicted_total", "counter", "Tokens generated.", c.generatedTokens());
        metric(out, "llamacpp:tokens_predicted_seconds_total", "counter", "Generation time.", c.generationSeconds());
        metric(out, "llamacpp:prompt_tokens_seconds", "gauge", "Prompt tokens per second of the last request.",
                s.lastPromptPerSecond());
        metric(out, "llamacpp:predicted_tokens_seconds", "gauge", "Generated tokens per second of the last request.",
                s.lastGenerationPerSecond());
        metric(out, "llamacpp:requests_processing", "gauge", "Requests generating now.", s.busySlots());
        metric(out, "llamacpp:requests_deferred", "gauge", "Requests waiting for a slot.", s.queued());
        metric(out, "mysticanvas_llm_requests_total", "counter", "Requests finished.", c.requests());
        metric(out, "mysticanvas_llm_prompt_tokens_cached_total", "counter", "Prompt tokens reused from a slot's cache.",
                c.cachedTokens());
        metric(out, "mysticanvas_llm_kv_cache_tokens", "gauge", "Tokens the slots' caches hold.", cached);
        metric(out, "mysticanvas_llm_context_tokens", "gauge", "The shared KV cache's size (n_ctx).",
                s.model() == null ? 0 : s.model().contextSize());
        metric(out, "mysticanvas_llm_slots", "gauge", "Slots of the loaded model.", s.model() == null ? 0 : s.model().slots());
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(out.toString());
    }

    private static void metric(StringBuilder out, String name, String type, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ').append(value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value) : Double.toString(value)).append('\n');
    }

    /** {@code POST /v1/llm/tokenize} {@code {content, add_special?, parse_special?}}. */
    void tokenize(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        String text = Fields.text(body, "content", Fields.text(body, "text", null));
        if (text == null) {
            throw Problem.badInput("'content' is required: the text to tokenize");
        }
        boolean addSpecial = Fields.bool(body, "add_special", false);
        boolean parseSpecial = Fields.bool(body, "parse_special", false);
        int[] tokens = engine.withModel(m -> m.tokenize(text, addSpecial, parseSpecial));
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("tokens");
        for (int t : tokens) {
            list.add(t);
        }
        out.put("count", tokens.length);
        ctx.json(out);
    }

    /** {@code POST /v1/llm/detokenize} {@code {tokens}}. */
    void detokenize(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        int[] tokens = Fields.tokenIds(body.get("tokens"), "tokens");
        boolean special = Fields.bool(body, "render_special", false);
        String text = engine.withModel(m -> {
            m.checkTokens(tokens, "'tokens'");
            return m.detokenize(tokens, special);
        });
        ctx.json(Json.object().put("content", text));
    }

    private static JsonNode describe(ModelInfo m) {
        ObjectNode o = Json.object();
        o.put("id", m.file());
        o.put("description", m.description());
        o.put("parameters", m.parameters());
        o.put("size_bytes", m.sizeBytes());
        o.put("n_ctx", m.contextSize());
        o.put("n_ctx_per_slot", m.slotContext());
        o.put("n_ctx_train", m.trainContext());
        o.put("parallel", m.slots());
        o.put("threads", m.threads());
        o.put("vocab_size", m.vocabSize());
        o.put("embedding_size", m.embeddingSize());
        o.put("embeddings", m.embeds());
        o.put("has_chat_template", m.chatTemplate() != null);
        o.put("load_ms", m.loadMillis());
        LoadOptions settings = m.settings();
        o.put("n_gpu_layers", settings.gpuLayers());
        o.put("flash_attn", settings.flashAttention().name().toLowerCase(java.util.Locale.ROOT));
        o.put("cache_type_k", settings.cacheTypeK().name().toLowerCase(java.util.Locale.ROOT));
        o.put("cache_type_v", settings.cacheTypeV().name().toLowerCase(java.util.Locale.ROOT));
        o.put("n_batch", settings.batchTokens());
        o.put("n_ubatch", settings.microBatchTokens());
        o.put("n_cpu_moe", settings.cpuMoeLayers());
        LlamaRuntime.Loaded runtime = LlamaRuntime.load();
        o.put("llama_cpp", runtime.llamaVersion() + " (" + runtime.bundle().npmPackage() + " "
                + runtime.bundle().version() + ")");
        return o;
    }
}
