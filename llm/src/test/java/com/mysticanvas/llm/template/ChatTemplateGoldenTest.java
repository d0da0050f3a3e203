package com.mysticanvas.llm.template;

import com.mysticanvas.llm.template.jinja.TemplateException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every real chat template in llama.cpp's models/templates, rendered for each conversation in
 * chat-templates/conversations.json, must give exactly what Python Jinja2 gave (chat-templates/expected, written
 * by render_expected.py the way Hugging Face renders templates), or fail where Python failed.
 */
class ChatTemplateGoldenTest {
    static final Clock FIXED = Clock.fixed(Instant.parse("2025-07-04T12:00:00Z"), ZoneOffset.UTC);

    /**
     * Where we deliberately render although Python raises: Jinja's map/select filters return generators that
     * json.dumps rejects; ours return lists (as llama.cpp's engine), so {@code tools | map(...) | tojson} works.
     */
    static final Map<String, String> RENDERS_WHERE_PYTHON_FAILS = Map.of(
            "llama-cpp-deepseek-r1", "Object of type generator is not JSON serializable");

    /**
     * Where Python HTML-escapes: {@code "x"|safe + text} is Markup + str, and Markup escapes the str even without
     * autoescape. Like llama.cpp, our {@code safe} returns the string unchanged, so the text stays as written.
     */
    static final Set<String> PYTHON_ESCAPES_AFTER_SAFE = Set.of("meetkai-functionary-medium-v3.1");

    static Path resources() {
        try {
            return Path.of(ChatTemplateGoldenTest.class.getResource("/chat-templates").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> templateFiles() {
        try (Stream<Path> files = Files.list(resources().resolve("templates"))) {
            return files.filter(p -> p.toString().endsWith(".jinja")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String stem(Path template) {
        String name = template.getFileName().toString();
        return name.substring(0, name.length() - ".jinja".length());
    }

    @Test
    void allSeventyTemplatesArePresentAndCompile() {
        List<Path> files = templateFiles();
        assertThat(files).hasSize(70);
        for (Path p : files) {
            ChatTemplate.compile(read(p));
        }
    }

    @TestFactory
    Stream<DynamicTest> rendersLikePythonJinja2() {
        JsonNode conversations = Json.parse(read(resources().resolve("conversations.json")));
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : templateFiles()) {
            String name = stem(file);
            JsonNode expected = Json.parse(read(resources().resolve("expected").resolve(name + ".json")));
            ChatTemplate template = ChatTemplate.compile(read(file));
            conversations.properties().forEach(c -> tests.add(DynamicTest.dynamicTest(name + " / " + c.getKey(),
                    () -> check(name, template, (ObjectNode) c.getValue(), expected.get(c.getKey())))));
        }
        return tests.stream();
    }

    private static void check(String name, ChatTemplate template, ObjectNode variables, JsonNode expected) {
        if (expected.has("output")) {
            String python = expected.get("output").asText();
            if (PYTHON_ESCAPES_AFTER_SAFE.contains(name)) {
                python = python.replace("&#34;", "\"");
            }
            assertThat(template.renderPrompt(variables.deepCopy(), FIXED).text()).isEqualTo(python);
            return;
        }
        String error = expected.get("error").asText();
        if (error.contains(RENDERS_WHERE_PYTHON_FAILS.getOrDefault(name, "\0"))) {
            template.renderPrompt(variables.deepCopy(), FIXED);
            return;
        }
        if (error.startsWith("raise_exception: ")) {
            assertThatThrownBy(() -> template.renderPrompt(variables.deepCopy(), FIXED))
                    .isInstanceOf(TemplateException.class)
                    .hasMessage(error.substring("raise_exception: ".length()));
            return;
        }
        try {
            String out = template.renderPrompt(variables.deepCopy(), FIXED).text();
            fail("Python failed with " + error + " but we rendered:\n" + out);
        } catch (TemplateException expectedFailure) {
            assertThat(expectedFailure.getMessage()).isNotBlank();
        }
    }
}
