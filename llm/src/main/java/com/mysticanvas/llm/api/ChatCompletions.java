package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.engine.FinishReason;
import com.mysticanvas.llm.engine.Generation;
import com.mysticanvas.llm.engine.GenerationEvent;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.ModelInfo;
import com.mysticanvas.llm.tools.ReplyDelta;
import com.mysticanvas.llm.tools.ToolCallFormat;
import com.mysticanvas.llm.tools.Thought;
import com.mysticanvas.llm.tools.ToolCallGrammar;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;

/** {@code POST /v1/chat/completions}: OpenAI chat completions, streamed ({@code chat.completion.chunk}) or whole. */
final class ChatCompletions {
    private final LlmEngine engine;

    ChatCompletions(LlmEngine engine) {
        this.engine = engine;
    }

    void handle(Context ctx) throws IOException {
        ObjectNode body = Json.parseObject(ctx.body());
        Models.checkRequested(body);
        ModelInfo model = Models.loaded(engine);
        boolean toolsOffered = toolsOffered(body);
        ChatPrompt prompt = ChatPrompt.of(body, model, toolsOffered);
        ReplyShaper shaper = TextFeatures.shaper(model.chatTemplate(), body.get("tools"), toolsOffered,
                Fields.bool(body, "parallel_tool_calls", true), prompt.rendered());
        SamplingRequest request = SamplingRequest.parse(body, grammar(body, model, toolsOffered, prompt.rendered()));
        // Markers the splitter reads (<think>, <|channel|>, [TOOL_CALLS]) are often control tokens: let their text through.
        Generation generation = engine.submit(prompt, request.generation().withSpecialText(shaper.splits())
                .withLogprobs(Logprobs.chatRequest(body)));
        Reply reply = new Reply(Responses.id("chatcmpl-"), Responses.now(), model.file(), shaper);
        if (request.stream()) {
            stream(ctx, generation, reply, request.includeUsage());
        } else {
            EventStream.Whole whole = EventStream.collect(ctx, generation);
            ctx.json(reply.whole(whole));
        }
    }

    /**
     * The grammar the reply must follow: the response_format's, or a forced tool call's (tool_choice), or none;
     * a reasoning model may think first (its prompt may have opened the thought already).
     */
    static String grammar(JsonNode body, ModelInfo model, boolean toolsOffered, String renderedPrompt) {
        Thought thought = Thought.of(model.chatTemplate(), renderedPrompt,
                (int) Fields.integer(body, "reasoning_budget", -1, Integer.MAX_VALUE, -1));
        String format = TextFeatures.grammar(body.get("response_format"), thought);
        String toolCall = toolsOffered ? ToolCallGrammar.forChoice(body.get("tool_choice"), body.get("tools"),
                Fields.bool(body, "parallel_tool_calls", true), model.chatTemplate(), thought) : null;
        if (format != null && toolCall != null) {
            throw Problem.badInput("response_format and a required tool_choice cannot both shape one reply");
        }
        return format != null ? format : toolCall;
    }

    static boolean toolsOffered(JsonNode body) {
        JsonNode tools = body.get("tools");
        if (tools == null || tools.isNull()) {
            return false;
        }
        if (!tools.isArray()) {
            throw Problem.badInput("'tools' must be an array of {type: function, function: {...}}");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function");
            if (!fn.isObject() || !fn.path("name").isTextual()) {
                throw Problem.badInput("tools[" + i + "] needs a function with a name");
            }
        }
        JsonNode choice = body.get("tool_choice");
        return !tools.isEmpty() && !(choice != null && choice.isTextual() && choice.asText().equals("none"));
    }

    private static void stream(Context ctx, Generation generation, Reply reply, boolean includeUsage) throws IOException {
        EventStream out = EventStream.open(ctx);
        out.data(reply.chunk(Json.object().put("role", "assistant").put("content", ""), null));
        out.pump(generation, new EventStream.Events() {
            @Override
            public void text(String text) throws IOException {
                for (ReplyDelta d : reply.shaper.accept(text)) {
                    out.data(reply.chunk(reply.delta(d), null));
                }
            }

            @Override
            public void logprob(GenerationEvent.Logprob logprob) throws IOException {
                ObjectNode chunk = reply.chunk(Json.object(), null);
                ((ObjectNode) chunk.path("choices").get(0)).set("logprobs", Logprobs.chat(List.of(logprob)));
                out.data(chunk);
            }

            @Override
            public void done(GenerationEvent.Done done) throws IOException {
                for (ReplyDelta d : reply.shaper.finish()) {
                    out.data(reply.chunk(reply.delta(d), null));
                }
                out.data(reply.chunk(Json.object(), reply.finishReason(done.reason())));
                if (includeUsage) {
                    ObjectNode last = reply.chunk(null, null);
                    last.set("usage", Responses.usage(done.usage()));
                    last.set("timings", Responses.timings(done.usage()));
                    out.data(last);
                }
                out.done();
            }
        });
    }

    /** The parts of one reply: identity, the splitter, and whether tool calls were made. */
    private static final class Reply {
        final String id;
        final long created;
        final String model;
        final ReplyShaper shaper;
        int toolCalls;

        Reply(String id, long created, String model, ReplyShaper shaper) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.shaper = shaper;
        }

        String finishReason(FinishReason reason) {
            return toolCalls > 0 ? "tool_calls" : reason.openAiName();
        }

        ObjectNode chunk(ObjectNode delta, String finishReason) {
            ObjectNode chunk = head("chat.completion.chunk");
            ArrayNode choices = chunk.putArray("choices");
            if (delta != null) {
                ObjectNode choice = choices.addObject();
                choice.put("index", 0);
                choice.set("delta", delta);
                choice.putNull("logprobs");
                if (finishReason == null) {
                    choice.putNull("finish_reason");
                } else {
                    choice.put("finish_reason", finishReason);
                }
            }
            return chunk;
        }

        ObjectNode delta(ReplyDelta d) {
            ObjectNode delta = Json.object();
            switch (d) {
                case ReplyDelta.Content c -> delta.put("content", c.text());
                case ReplyDelta.Reasoning r -> delta.put("reasoning_content", r.text());
                case ReplyDelta.ToolCalls calls -> {
                    ArrayNode list = delta.putArray("tool_calls");
                    for (ReplyDelta.ToolCall call : calls.calls()) {
                        toolCall(list.addObject().put("index", toolCalls++), call);
                    }
                }
            }
            return delta;
        }

        ObjectNode whole(EventStream.Whole whole) {
            StringBuilder content = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            ArrayNode calls = Json.MAPPER.createArrayNode();
            List<ReplyDelta> deltas = new java.util.ArrayList<>(shaper.accept(whole.text()));
            deltas.addAll(shaper.finish());
            for (ReplyDelta d : deltas) {
                switch (d) {
                    case ReplyDelta.Content c -> content.append(c.text());
                    case ReplyDelta.Reasoning r -> reasoning.append(r.text());
                    case ReplyDelta.ToolCalls tc -> tc.calls().forEach(call -> toolCall(calls.addObject(), call));
                }
            }
            toolCalls = calls.size();
            ObjectNode response = head("chat.completion");
            ObjectNode choice = response.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            if (content.isEmpty() && toolCalls > 0) {
                message.putNull("content");
            } else {
                message.put("content", content.toString());
            }
            if (!reasoning.isEmpty()) {
                message.put("reasoning_content", reasoning.toString());
            }
            if (toolCalls > 0) {
                message.set("tool_calls", calls);
            }
            if (whole.logprobs().isEmpty()) {
                choice.putNull("logprobs");
            } else {
                choice.set("logprobs", Logprobs.chat(whole.logprobs()));
            }
            choice.put("finish_reason", finishReason(whole.done().reason()));
            response.set("usage", Responses.usage(whole.done().usage()));
            response.set("timings", Responses.timings(whole.done().usage()));
            return response;
        }

        private static void toolCall(ObjectNode into, ReplyDelta.ToolCall call) {
            into.put("id", call.id()).put("type", "function");
            into.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }

        private ObjectNode head(String object) {
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("object", object);
            o.put("created", created);
            o.put("model", model);
            o.put("system_fingerprint", "mysticanvas-llama.cpp");
            return o;
        }
    }
}
