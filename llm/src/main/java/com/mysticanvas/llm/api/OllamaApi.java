package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.ollama.OllamaRequests;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.llm.engine.Generation;
import com.mysticanvas.llm.engine.GenerationEvent;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.ModelInfo;
import com.mysticanvas.llm.engine.PromptSource;
import com.mysticanvas.llm.engine.Usage;
import com.mysticanvas.llm.tools.ReplyDelta;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ollama's API ({@code /api/chat}, {@code /api/generate}, {@code /api/tags}, {@code /api/show}, {@code /api/ps},
 * {@code /api/embed}, {@code /api/embeddings}, {@code /api/version}) on the same engine, for the
 * desktop tools that speak only it. Requests become the OpenAI ones this worker serves (Ollama's {@code options}
 * mapped onto the sampling fields, {@code format} onto {@code response_format}); answers stream as NDJSON by default,
 * as Ollama's do, and errors are Ollama's {@code {"error": "..."}}. Models are named by their file name.
 */
final class OllamaApi {
    /** The Ollama API level these routes follow (its clients read it). */
    static final String VERSION = "0.9.0";

    private final LlmEngine engine;
    private final ModelFiles files;

    OllamaApi(LlmEngine engine, ModelFiles files) {
        this.engine = engine;
        this.files = files;
    }

    /** Wraps a handler so that its problems answer as Ollama's errors do. */
    static Handler ollamaErrors(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (Problem p) {
                ctx.status(HttpProblems.status(p.kind())).json(Json.object().put("error", p.getMessage()));
            }
        };
    }

    void version(Context ctx) {
        ctx.json(Json.object().put("version", VERSION));
    }

    /** {@code GET /api/tags}: the GGUF files of models/llm. */
    void tags(Context ctx) {
        ObjectNode out = Json.object();
        ArrayNode models = out.putArray("models");
        for (ModelFiles.Entry e : files.list()) {
            if (e.info() != null) {
                describe(models.addObject(), e).put("modified_at", Instant.ofEpochMilli(e.modified().toMillis()).toString());
            }
        }
        ctx.json(out);
    }

    /** {@code GET /api/ps}: the loaded model (kept until unloaded: it never expires by itself yet). */
    void ps(Context ctx) {
        ObjectNode out = Json.object();
        ArrayNode models = out.putArray("models");
        ModelInfo loaded = engine.status().model();
        if (loaded != null) {
            for (ModelFiles.Entry e : files.list()) {
                if (e.name().equals(loaded.file()) && e.info() != null) {
                    describe(models.addObject(), e).put("expires_at", "9999-12-31T23:59:59Z").put("size_vram", 0);
                }
            }
        }
        ctx.json(out);
    }

    /** {@code POST /api/show} {@code {model}}: its facts; the template too when it is the loaded model. */
    void show(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        ModelFiles.Entry e = entry(Fields.text(body, "model", Fields.text(body, "name", null)));
        ObjectNode out = Json.object();
        out.put("modelfile", "").put("parameters", "");
        ModelInfo loaded = engine.status().model();
        out.put("template", loaded != null && loaded.file().equals(e.name()) && loaded.chatTemplate() != null
                ? loaded.chatTemplate() : "");
        out.set("details", details(e));
        out.putObject("model_info").put("general.architecture", e.info().architecture())
                .put("general.parameter_count", e.info().parameterCount())
                .put(e.info().architecture() + ".context_length", e.info().contextLength());
        ArrayNode capabilities = out.putArray("capabilities");
        capabilities.add(e.info().poolingType() > 0 ? "embedding" : "completion");
        if (e.info().hasChatTemplate()) {
            capabilities.add("tools");
        }
        out.put("modified_at", Instant.ofEpochMilli(e.modified().toMillis()).toString());
        ctx.json(out);
    }

    /** {@code POST /api/chat}. */
    void chat(Context ctx) throws IOException {
        ObjectNode body = Json.parseObject(ctx.body());
        ModelInfo model = loadedAs(body);
        ObjectNode openAi = OllamaRequests.sampling(body);
        openAi.set("messages", body.get("messages"));
        if (body.has("tools")) {
            openAi.set("tools", body.get("tools"));
        }
        boolean tools = ChatCompletions.toolsOffered(openAi);
        ChatPrompt prompt = ChatPrompt.of(openAi, model, tools);
        ReplyShaper shaper = TextFeatures.shaper(model.chatTemplate(), openAi.get("tools"), tools,
                Fields.bool(openAi, "parallel_tool_calls", true), prompt.rendered());
        SamplingRequest request = SamplingRequest.parse(openAi, ChatCompletions.grammar(openAi, model, tools, prompt.rendered()));
        Generation g = engine.submit(prompt, request.generation().withSpecialText(shaper.splits()));
        boolean think = Fields.bool(body, "think", false);
        run(ctx, g, Fields.bool(body, "stream", true), model, new Shape() {
            @Override
            public ObjectNode piece(String text, boolean last) {
                List<ReplyDelta> deltas = new java.util.ArrayList<>(shaper.accept(text));
                if (last) {
                    deltas.addAll(shaper.finish());
                }
                ObjectNode message = Json.object().put("role", "assistant");
                StringBuilder content = new StringBuilder();
                StringBuilder thinking = new StringBuilder();
                ArrayNode calls = Json.MAPPER.createArrayNode();
                for (ReplyDelta d : deltas) {
                    switch (d) {
                        case ReplyDelta.Content c -> content.append(c.text());
                        case ReplyDelta.Reasoning r -> thinking.append(r.text());
                        case ReplyDelta.ToolCalls t -> t.calls().forEach(call -> calls.addObject().putObject("function")
                                .put("name", call.name()).set("arguments", arguments(call.arguments())));
                    }
                }
                message.put("content", content.toString());
                if (think && !thinking.isEmpty()) {
                    message.put("thinking", thinking.toString());
                }
                if (!calls.isEmpty()) {
                    message.set("tool_calls", calls);
                }
                return Json.object().set("message", message);
            }
        });
    }

    /** {@code POST /api/generate}: through the chat template (with {@code system}), or as it is with {@code raw}. */
    void generate(Context ctx) throws IOException {
        ObjectNode body = Json.parseObject(ctx.body());
        ModelInfo model = loadedAs(body);
        String text = Fields.text(body, "prompt", "");
        if (text.isEmpty()) { // Ollama's way of loading a model: nothing to generate
            ObjectNode done = head(model).put("response", "").put("done", true).put("done_reason", "load");
            ctx.json(done);
            return;
        }
        ObjectNode openAi = OllamaRequests.sampling(body);
        PromptSource prompt;
        if (Fields.bool(body, "raw", false) || model.chatTemplate() == null) {
            prompt = m -> m.tokenize(text, true, false);
        } else {
            ArrayNode messages = openAi.putArray("messages");
            String system = Fields.text(body, "system", null);
            if (system != null && !system.isEmpty()) {
                messages.addObject().put("role", "system").put("content", system);
            }
            messages.addObject().put("role", "user").put("content", text);
            prompt = ChatPrompt.of(openAi, model, false);
        }
        SamplingRequest request = SamplingRequest.parse(openAi, TextFeatures.grammar(openAi.get("response_format")));
        Generation g = engine.submit(prompt, request.generation());
        run(ctx, g, Fields.bool(body, "stream", true), model, (piece, last) -> Json.object().put("response", piece));
    }

    /** {@code POST /api/embed} {@code {model, input: text or texts}} and the older {@code /api/embeddings} {@code {prompt}}. */
    void embed(Context ctx, boolean old) {
        ObjectNode body = Json.parseObject(ctx.body());
        ModelInfo model = loadedAs(body);
        JsonNode input = old ? body.get("prompt") : body.get("input");
        List<String> texts = new java.util.ArrayList<>();
        if (input != null && input.isTextual()) {
            texts.add(input.asText());
        } else if (input != null && input.isArray() && !old) {
            input.forEach(t -> texts.add(t.asText()));
        } else {
            throw Problem.badInput("'" + (old ? "prompt" : "input") + "' must be " + (old ? "a text" : "a text or texts"));
        }
        if (!model.embeds()) {
            throw Problem.badInput("model '" + model.file() + "' does not make embeddings; load an embedding model");
        }
        long start = System.nanoTime();
        int[] count = {0};
        List<float[]> vectors = new java.util.ArrayList<>();
        for (String t : texts) { // one input per task between decode steps, as /v1/embeddings
            vectors.add(engine.withModel(m -> {
                int[] tokens = m.tokenize(t, true, false);
                count[0] += tokens.length;
                return m.embed(tokens);
            }));
        }
        ObjectNode out = Json.object();
        if (old) {
            vector(out.putArray("embedding"), vectors.getFirst());
        } else {
            out.put("model", model.file());
            ArrayNode all = out.putArray("embeddings");
            vectors.forEach(v -> vector(all.addArray(), v));
            out.put("total_duration", System.nanoTime() - start).put("load_duration", 0).put("prompt_eval_count", count[0]);
        }
        ctx.json(out);
    }

    /** How one answer's text becomes the body of a chunk ({@code last}: the final one). */
    @FunctionalInterface
    private interface Shape {
        ObjectNode piece(String text, boolean last);
    }

    /** Streams NDJSON chunks (Ollama's default) or answers once; the last chunk has {@code done} and the counts. */
    private void run(Context ctx, Generation g, boolean stream, ModelInfo model, Shape shape) throws IOException {
        long start = System.nanoTime();
        if (!stream) {
            EventStream.Whole whole = EventStream.collect(ctx, g);
            ctx.json(finish(shape.piece(whole.text(), true), model, whole.done(), start));
            return;
        }
        ctx.contentType("application/x-ndjson");
        OutputStream out = ctx.res().getOutputStream();
        try {
            while (true) {
                GenerationEvent e = g.next(1, TimeUnit.MINUTES);
                switch (e) {
                    case null -> { }
                    case GenerationEvent.Logprob l -> { }
                    case GenerationEvent.Text t -> {
                        ObjectNode chunk = head(model);
                        chunk.setAll(shape.piece(t.text(), false));
                        line(out, chunk.put("done", false));
                    }
                    case GenerationEvent.Done d -> {
                        line(out, finish(shape.piece("", true), model, d, start));
                        return;
                    }
                    case GenerationEvent.Failed f -> {
                        line(out, Json.object().put("error", f.error().getMessage()));
                        return;
                    }
                }
            }
        } catch (IOException clientGone) {
            g.cancel();
        } catch (InterruptedException e) {
            g.cancel();
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode finish(ObjectNode piece, ModelInfo model, GenerationEvent.Done done, long start) {
        Usage u = done.usage();
        long total = System.nanoTime() - start;
        int computed = u.promptTokens() - u.cachedTokens();
        ObjectNode out = head(model);
        out.setAll(piece);
        out.put("done", true).put("done_reason", done.reason().openAiName());
        out.put("total_duration", total).put("load_duration", 0);
        out.put("prompt_eval_count", u.promptTokens())
                .put("prompt_eval_duration", u.promptPerSecond() > 0 ? (long) (computed / u.promptPerSecond() * 1e9) : 0);
        out.put("eval_count", u.completionTokens())
                .put("eval_duration", u.genPerSecond() > 0 ? (long) ((u.completionTokens() - 1) / u.genPerSecond() * 1e9) : 0);
        return out;
    }

    private static void line(OutputStream out, ObjectNode json) throws IOException {
        out.write((Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode head(ModelInfo model) {
        return Json.object().put("model", model.file()).put("created_at", Instant.now().toString());
    }

    /**
     * The loaded model, when the request names it or any name (clients ask for the one they were told); a
     * path-like name is a 400, as everywhere.
     */
    private ModelInfo loadedAs(ObjectNode body) {
        Models.checkRequested(body);
        return Models.loaded(engine);
    }

    private ModelFiles.Entry entry(String name) {
        if (name == null) {
            throw Problem.badInput("'model' is required");
        }
        for (ModelFiles.Entry e : files.list()) {
            if (e.name().equals(name) && e.info() != null) {
                return e;
            }
        }
        throw Problem.notFound("model '" + name + "' is not a GGUF file in " + files.folder());
    }

    private static ObjectNode describe(ObjectNode into, ModelFiles.Entry e) {
        into.put("name", e.name()).put("model", e.name()).put("size", e.size()).put("digest", digest(e));
        into.set("details", details(e));
        return into;
    }

    private static ObjectNode details(ModelFiles.Entry e) {
        ObjectNode d = Json.object().put("parent_model", "").put("format", "gguf").put("family", e.info().architecture());
        d.putArray("families").add(e.info().architecture());
        d.put("parameter_size", String.format(java.util.Locale.ROOT, "%.1fB", e.info().parameterCount() / 1e9));
        d.put("quantization_level", e.info().quantization());
        return d;
    }

    /** A stand-in for Ollama's blob digest: of the file's name, size and time, not its content (that would read it). */
    private static String digest(ModelFiles.Entry e) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(
                    (e.name() + "\0" + e.size() + "\0" + e.modified().toMillis()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (java.security.NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
        }
    }

    private static JsonNode arguments(String json) {
        try {
            return Json.parse(json);
        } catch (Problem notJson) {
            return Json.MAPPER.getNodeFactory().textNode(json);
        }
    }

    private static void vector(ArrayNode into, float[] v) {
        for (float x : v) {
            into.add(x);
        }
    }
}
