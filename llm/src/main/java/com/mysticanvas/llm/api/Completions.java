package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.engine.Generation;
import com.mysticanvas.llm.engine.GenerationEvent;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.LoadedModel.Segment;
import com.mysticanvas.llm.engine.ModelInfo;
import com.mysticanvas.llm.engine.PromptSource;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;

/**
 * {@code POST /v1/completions}: raw text completion of {@code prompt} (a string, or token ids), streamed or
 * whole. The prompt is tokenized as plain text: special-token text in it stays text.
 */
final class Completions {
    private final LlmEngine engine;

    Completions(LlmEngine engine) {
        this.engine = engine;
    }

    void handle(Context ctx) throws IOException {
        ObjectNode body = Json.parseObject(ctx.body());
        Models.checkRequested(body);
        ModelInfo model = Models.loaded(engine);
        PromptSource prompt = prompt(body.get("prompt"));
        SamplingRequest request = SamplingRequest.parse(body, TextFeatures.grammar(body.get("response_format")));
        boolean echo = Fields.bool(body, "echo", false);
        int logprobs = Logprobs.completionRequest(body);
        Generation generation = engine.submit(prompt, request.generation().withLogprobs(logprobs));
        String id = Responses.id("cmpl-");
        long created = Responses.now();
        String echoed = echo ? echoText(body.get("prompt")) : "";
        if (!request.stream()) {
            EventStream.Whole whole = EventStream.collect(ctx, generation);
            ObjectNode response = head(id, created, model.file());
            choice(response, echoed + whole.text(), whole.done().reason().openAiName());
            if (logprobs >= 0) {
                ((ObjectNode) response.path("choices").get(0)).set("logprobs",
                        Logprobs.completion(whole.logprobs(), echoed.length()));
            }
            response.set("usage", Responses.usage(whole.done().usage()));
            response.set("timings", Responses.timings(whole.done().usage()));
            ctx.json(response);
            return;
        }
        EventStream out = EventStream.open(ctx);
        if (!echoed.isEmpty()) {
            out.data(choice(head(id, created, model.file()), echoed, null));
        }
        out.pump(generation, new EventStream.Events() {
            @Override
            public void text(String text) throws IOException {
                out.data(choice(head(id, created, model.file()), text, null));
            }

            private int offset = echoed.length();

            @Override
            public void logprob(GenerationEvent.Logprob logprob) throws IOException {
                ObjectNode chunk = choice(head(id, created, model.file()), "", null);
                ((ObjectNode) chunk.path("choices").get(0)).set("logprobs", Logprobs.completion(List.of(logprob), offset));
                offset += logprob.token().text().length();
                out.data(chunk);
            }

            @Override
            public void done(GenerationEvent.Done done) throws IOException {
                ObjectNode last = choice(head(id, created, model.file()), "", done.reason().openAiName());
                if (request.includeUsage()) {
                    last.set("usage", Responses.usage(done.usage()));
                }
                out.data(last);
                out.done();
            }
        });
    }

    private static PromptSource prompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw Problem.badInput("'prompt' is required");
        }
        if (prompt.isTextual()) {
            String text = prompt.asText();
            return m -> m.tokenizePrompt(List.of(new Segment(text, false)));
        }
        if (Fields.isTokenArray(prompt)) {
            int[] tokens = Fields.tokenIds(prompt, "prompt");
            return m -> tokens; // ids are checked against the vocabulary by the engine
        }
        if (prompt.isArray() && prompt.size() == 1) {
            return Completions.prompt(prompt.get(0));
        }
        throw Problem.badInput("'prompt' must be a string or an array of token ids (one prompt per request)");
    }

    private static String echoText(JsonNode prompt) {
        if (prompt.isArray() && prompt.size() == 1) {
            return echoText(prompt.get(0));
        }
        if (!prompt.isTextual()) {
            throw Problem.badInput("'echo' needs the prompt as text");
        }
        return prompt.asText();
    }

    private static ObjectNode head(String id, long created, String model) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "text_completion");
        o.put("created", created);
        o.put("model", model);
        return o;
    }

    private static ObjectNode choice(ObjectNode response, String text, String finishReason) {
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("text", text);
        choice.put("index", 0);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return response;
    }
}
