package com.mysticanvas.llm.template;

import com.mysticanvas.core.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * OpenAI requests as clients send them (content parts, null content next to tool calls, arguments as JSON
 * text, ids like {@code call_...}, developer messages), through {@link ChatTemplateInput}, on every real
 * template: each renders, and the message text reaches the prompt. Rendered raw, many of these templates fail
 * on such input (see chat-templates/expected); the adaptations make them work.
 */
class ChatTemplateInputAllTemplatesTest {
    static final String CHAT = """
            {"messages": [
              {"role": "developer", "content": "Answer briefly."},
              {"role": "user", "content": [{"type": "text", "text": "Weather in"}, {"type": "text", "text": "Oslo?"}]},
              {"role": "assistant", "content": null, "tool_calls": [{"id": "call_Q1w2E3r4T5y6U7i8O9p0A1s2",
                "type": "function", "function": {"name": "get_weather", "arguments": "{\\"location\\": \\"Oslo\\"}"}}]},
              {"role": "tool", "tool_call_id": "call_Q1w2E3r4T5y6U7i8O9p0A1s2", "content": "SNOWING_7c1e"},
              {"role": "assistant", "content": "It is snowing."},
              {"role": "user", "content": "Thanks!"}],
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
               "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]}
            """;

    /** Templates that cannot take this conversation, and why (their own rule, kept). */
    static final Map<String, String> REFUSING = Map.of(
            // Cohere's own tool format (top-level description, parameter_definitions)
            "CohereForAI-c4ai-command-r-plus-tool_use", "has no attribute 'description'",
            // no tool role: strictly user/assistant turns
            "google-gemma-2-2b-it", "Conversation roles must alternate");

    @TestFactory
    Stream<DynamicTest> everyTemplateTakesAnOpenAiRequest() {
        List<Path> files = ChatTemplateGoldenTest.templateFiles();
        assertThat(files).hasSize(70);
        return files.stream().map(f -> DynamicTest.dynamicTest(ChatTemplateGoldenTest.stem(f), () -> {
            ChatTemplate template = ChatTemplate.compile(ChatTemplateGoldenTest.read(f));
            String name = ChatTemplateGoldenTest.stem(f);
            var vars = ChatTemplateInput.fromRequest(template, Json.parse(CHAT), "<s>", "</s>");
            if (REFUSING.containsKey(name)) {
                assertThatThrownBy(() -> template.render(vars)).hasMessageContaining(REFUSING.get(name));
                return;
            }
            String prompt = template.render(vars);
            assertThat(prompt).contains("Thanks!").contains("Oslo");
            if (template.capabilities().toolCalls()) {
                assertThat(prompt).as("the tool result reaches the prompt").contains("SNOWING_7c1e");
            }
        }));
    }

    @org.junit.jupiter.api.Test
    void nineCharacterIdsAreStableAndKeptWhenAlreadyValid() {
        assertThat(ChatTemplateInput.nineCharId("abcDEF123")).isEqualTo("abcDEF123");
        String id = ChatTemplateInput.nineCharId("call_Q1w2E3r4T5y6U7i8O9p0A1s2");
        assertThat(id).matches("[A-Za-z0-9]{9}").isEqualTo(ChatTemplateInput.nineCharId("call_Q1w2E3r4T5y6U7i8O9p0A1s2"));
    }
}
