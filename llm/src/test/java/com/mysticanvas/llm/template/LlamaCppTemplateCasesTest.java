package com.mysticanvas.llm.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's own expected chat-template outputs (tests/test-chat-template.cpp, kept as data in
 * chat-templates/llama-cpp-cases.json): the request goes through {@link ChatTemplateInput} (which, like
 * llama.cpp, folds a system message into the first user turn for templates without a system role) and
 * {@link ChatTemplate}; the prompt must equal llama.cpp's.
 */
class LlamaCppTemplateCasesTest {
    @TestFactory
    Stream<DynamicTest> rendersLikeLlamaCpp() throws IOException {
        JsonNode doc = Json.parse(Files.readString(ChatTemplateGoldenTest.resources().resolve("llama-cpp-cases.json")));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : doc.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                ObjectNode request = Json.object();
                ArrayNode messages = request.putArray("messages");
                messages.addAll((ArrayNode) doc.get("conversation").deepCopy());
                messages.addAll((ArrayNode) c.get("extra_messages").deepCopy());
                ChatTemplate template = ChatTemplate.compile(c.get("template").asText());
                ObjectNode vars = ChatTemplateInput.fromRequest(template, request,
                        c.get("bos_token").asText(), c.get("eos_token").asText());
                assertThat(template.render(vars)).isEqualTo(c.get("expected").asText());
            }));
        }
        assertThat(tests).hasSize(35);
        return tests.stream();
    }
}
