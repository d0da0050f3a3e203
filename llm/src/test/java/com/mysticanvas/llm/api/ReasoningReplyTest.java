package com.mysticanvas.llm.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.synth.LlmSynthModels;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with a thinking template (QwQ's real template, which opens {@code <think>} in the prompt) on real
 * llama.cpp: what the model writes before {@code </think>} is {@code reasoning_content}, not content. The tiny
 * random model never closes its thought, so its whole reply must come out as reasoning.
 */
class ReasoningReplyTest {
    @TempDir
    static Path root;
    static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        Path models = root.resolve("models");
        TemplatedTinyModel.write(models, "thinker.gguf", "Qwen-QwQ-32B.jinja");
        worker = new WorkerProcess(models, "thinker.gguf").awaitModel("thinker.gguf");
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
    }

    private static ObjectNode chat(boolean thinking) {
        ObjectNode body = Json.object().put("max_tokens", 16).put("seed", 3).put("temperature", 0.8);
        body.putArray("messages").addObject().put("role", "user").put("content", "why is the sky blue?");
        ObjectNode bias = body.putObject("logit_bias"); // no early end: the reply runs to max_tokens
        var vocab = LlmSynthModels.vocabulary();
        bias.put(Integer.toString(vocab.id("<|im_end|>")), -100);
        bias.put(Integer.toString(vocab.id("<|endoftext|>")), -100);
        body.putObject("chat_template_kwargs").put("enable_thinking", thinking);
        return body;
    }

    @Test
    void aThoughtTheTemplateOpenedIsReasoningContent() throws Exception {
        JsonNode message = worker.post("/v1/chat/completions", chat(true)).json().path("choices").get(0).path("message");
        assertThat(message.path("reasoning_content").asText()).isNotEmpty();
        assertThat(message.path("content").asText("")).isEmpty();
    }

    @Test
    void withThinkingOffTheReplyIsContent() throws Exception {
        JsonNode message = worker.post("/v1/chat/completions", chat(false)).json().path("choices").get(0).path("message");
        assertThat(message.path("content").asText()).isNotEmpty();
        assertThat(message.path("reasoning_content").asText("")).isEmpty();
    }

    @Test
    void streamedReasoningArrivesAsReasoningDeltas() throws Exception {
        ObjectNode body = chat(true).put("stream", true);
        String sse = worker.post("/v1/chat/completions", body).body();
        assertThat(sse).contains("\"reasoning_content\":").contains("data: [DONE]");
    }
}
