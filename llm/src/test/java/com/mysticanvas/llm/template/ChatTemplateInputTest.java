package com.mysticanvas.llm.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ChatTemplateInputTest {
    static ChatTemplate real(String name) throws Exception {
        Path file = ChatTemplateGoldenTest.resources().resolve("templates").resolve(name + ".jinja");
        return ChatTemplate.compile(Files.readString(file));
    }

    static String render(ChatTemplate t, String requestJson) {
        return t.render(ChatTemplateInput.fromRequest(t, Json.parse(requestJson), "<s>", "</s>"));
    }

    static Problem badRequest(ChatTemplate t, String requestJson) {
        try {
            ChatTemplateInput.fromRequest(t, Json.parse(requestJson), "", "");
        } catch (Problem e) {
            assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT);
            return e;
        }
        throw new AssertionError("expected a 400 for " + requestJson);
    }

    @Test
    void contentPartsBecomeOneTextJoinedByNewlines() throws Exception {
        String out = render(real("Qwen-Qwen2.5-7B-Instruct"), """
                {"messages": [{"role": "user", "content": [{"type": "text", "text": "Describe"},
                                                          {"type": "text", "text": "this"}]}]}""");
        assertThat(out).contains("<|im_start|>user\nDescribe\nthis<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void malformedRequestsAre400sNamingTheField() throws Exception {
        ChatTemplate t = real("meta-llama-Llama-3.1-8B-Instruct");
        assertThat(badRequest(t, "{\"messages\": []}").getMessage()).contains("'messages'");
        assertThat(badRequest(t, "{}").getMessage()).contains("'messages'");
        assertThat(badRequest(t, "{\"messages\": [\"hi\"]}").getMessage()).contains("messages[0] must be an object");
        assertThat(badRequest(t, "{\"messages\": [{\"content\": \"x\"}]}").getMessage()).contains("messages[0].role");
        assertThat(badRequest(t, "{\"messages\": [{\"role\": \"user\", \"content\": null}]}").getMessage())
                .contains("messages[0].content is required");
        assertThat(badRequest(t, "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}").getMessage())
                .contains("messages[0].content must be a string or an array");
        assertThat(badRequest(t, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}")
                .getMessage()).contains("messages[0].content[0]").contains("text parts only");
        assertThat(badRequest(t, "{\"messages\": [{\"role\": \"assistant\"}]}").getMessage())
                .contains("neither content nor tool_calls");
        assertThat(badRequest(t, """
                {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}]}""")
                .getMessage()).contains("messages[0].tool_calls[0].function.arguments is not valid JSON");
        assertThat(badRequest(t, """
                {"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}]}""")
                .getMessage()).contains("messages[0].tool_calls[0].function.name must be a string");
        assertThat(badRequest(t, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": {}}")
                .getMessage()).contains("'tools' must be an array");
        assertThat(badRequest(t, """
                {"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "code", "function": {}}]}""")
                .getMessage()).contains("tools[0].type");
        assertThat(badRequest(t, """
                {"messages": [{"role": "user", "content": "x"}], "chat_template_kwargs": 3}""")
                .getMessage()).contains("chat_template_kwargs");
    }

    @Test
    void wireArgumentsBecomeObjectsForTemplatesThatRenderObjects() throws Exception {
        ChatTemplate llama = real("meta-llama-Llama-3.1-8B-Instruct");
        assertThat(llama.capabilities().objectArguments()).isTrue();
        String out = render(llama, """
                {"messages": [{"role": "user", "content": "Weather in Oslo?"},
                              {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                                "function": {"name": "get_weather", "arguments": "{\\"location\\": \\"Oslo\\"}"}}]},
                              {"role": "tool", "tool_call_id": "c1", "content": "cold"}],
                 "tools": [{"type": "function", "function": {"name": "get_weather",
                            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}}]}""");
        assertThat(out).contains("{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Oslo\"}}<|eot_id|>");
    }

    @Test
    void argumentsStayJsonTextForTemplatesThatPrintThemAsIs() throws Exception {
        ChatTemplate functionary = real("meetkai-functionary-medium-v3.2");
        assertThat(functionary.capabilities().objectArguments()).isFalse();
        ObjectNode vars = ChatTemplateInput.fromRequest(functionary, Json.parse("""
                {"messages": [{"role": "user", "content": "x"},
                              {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                "function": {"name": "f", "arguments": {"a": 1}}}]}]}"""), "", "");
        JsonNode args = vars.at("/messages/1/tool_calls/0/function/arguments");
        assertThat(args.isTextual()).isTrue();
        assertThat(args.asText()).isEqualTo("{\"a\":1}");
        assertThat(functionary.render(vars)).contains(">>>f\n{\"a\":1}");
    }

    @Test
    void systemMessageIsFoldedIntoTheFirstUserTurnWhenTheTemplateHasNoSystemRole() throws Exception {
        ChatTemplate gemma = real("google-gemma-2-2b-it");
        assertThat(gemma.capabilities().systemRole()).isFalse();
        String out = render(gemma, """
                {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}""");
        assertThat(out).isEqualTo("<s><start_of_turn>user\nBe brief.\nHi<end_of_turn>\n<start_of_turn>model\n");
    }

    @Test
    void developerIsSystemExceptForGptOss() throws Exception {
        String qwen = render(real("Qwen-Qwen2.5-7B-Instruct"), """
                {"messages": [{"role": "developer", "content": "Rules."}, {"role": "user", "content": "Hi"}]}""");
        assertThat(qwen).startsWith("<|im_start|>system\nRules.<|im_end|>");
        ObjectNode vars = ChatTemplateInput.fromRequest(real("openai-gpt-oss-120b"), Json.parse("""
                {"messages": [{"role": "developer", "content": "Rules."}, {"role": "user", "content": "Hi"}]}"""),
                "", "");
        assertThat(vars.at("/messages/0/role").asText()).isEqualTo("developer");
    }

    @Test
    void toolChoiceNoneLeavesToolsOutAndToolResultsGetTheirCallName() throws Exception {
        ChatTemplate t = real("Qwen-Qwen2.5-7B-Instruct");
        String request = """
                {"messages": [{"role": "user", "content": "time?"},
                              {"role": "assistant", "tool_calls": [{"id": "c9", "type": "function",
                                "function": {"name": "get_time", "arguments": "{}"}}]},
                              {"role": "tool", "tool_call_id": "c9", "content": "noon"}],
                 "tools": [{"type": "function", "function": {"name": "get_time"}}] %s}""";
        ObjectNode vars = ChatTemplateInput.fromRequest(t, Json.parse(request.formatted("")), "", "");
        assertThat(vars.at("/messages/2/name").asText()).isEqualTo("get_time");
        assertThat(vars.at("/tools/0/function/parameters").toString())
                .isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThat(t.render(vars)).contains("<tools>");
        ObjectNode none = ChatTemplateInput.fromRequest(t, Json.parse(request.formatted(", \"tool_choice\": \"none\"")),
                "", "");
        assertThat(none.has("tools")).isFalse();
        assertThat(t.render(none)).doesNotContain("<tools>");
    }

    @Test
    void todaysDateIsGivenAsLlamaCppDoes() throws Exception {
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2026-03-09T08:00:00Z"),
                java.time.ZoneOffset.UTC);
        ChatTemplate llama = real("meta-llama-Llama-3.1-8B-Instruct");
        ObjectNode vars = ChatTemplateInput.fromRequest(llama, Json.parse("""
                {"messages": [{"role": "user", "content": "Hi"}]}"""), "", "", clock);
        assertThat(llama.render(vars)).contains("Today Date: 09 Mar 2026");
        ObjectNode overridden = ChatTemplateInput.fromRequest(llama, Json.parse("""
                {"messages": [{"role": "user", "content": "Hi"}], "chat_template_kwargs": {"date_string": "1 Jan 2000"}}"""),
                "", "", clock);
        assertThat(llama.render(overridden)).contains("Today Date: 1 Jan 2000");
    }

    @Test
    void chatTemplateKwargsAndReasoningReachTheTemplate() throws Exception {
        ChatTemplate qwen3 = real("Qwen-Qwen3-0.6B");
        String request = """
                {"messages": [{"role": "user", "content": "2+2?"}], "chat_template_kwargs": {"enable_thinking": false}}""";
        assertThat(render(qwen3, request)).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");

        ObjectNode vars = ChatTemplateInput.fromRequest(real("openai-gpt-oss-120b"), Json.parse("""
                {"messages": [{"role": "user", "content": "2+2?"},
                              {"role": "assistant", "content": "4", "reasoning_content": "Add them."},
                              {"role": "user", "content": "3+3?"}], "reasoning_effort": "high"}"""), "", "");
        assertThat(vars.at("/messages/1/thinking").asText()).isEqualTo("Add them.");
        assertThat(vars.get("reasoning_effort").asText()).isEqualTo("high");
        assertThat(vars.get("add_generation_prompt").asBoolean()).isTrue();
        assertThat(vars.get("enable_thinking").asBoolean()).isTrue();
    }
}
