package com.mysticanvas.llm.template.jinja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Small feature cases (whitespace control, Python values, filters, tests, methods, macros, loops, errors), each
 * compared with what Python Jinja2 renders (chat-templates/jinja-cases-expected.json, from render_expected.py).
 */
class JinjaCasesTest {
    private static final Clock FIXED = Clock.fixed(Instant.parse("2025-07-04T12:00:00Z"), ZoneOffset.UTC);

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = JinjaCasesTest.class.getResourceAsStream("/chat-templates/" + name)) {
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @TestFactory
    Stream<DynamicTest> rendersLikePythonJinja2() throws IOException {
        JsonNode expected = resource("jinja-cases-expected.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : resource("jinja-cases.json")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> check(c.get("template").asText(),
                    (ObjectNode) c.get("vars"), expected.get(name))));
        }
        assertThat(tests).hasSizeGreaterThan(100);
        return tests.stream();
    }

    private static String render(String template, ObjectNode vars) {
        return Template.parse(template).render(TemplateValues.fromVariables(vars), FIXED).text();
    }

    private static void check(String template, ObjectNode vars, JsonNode expected) {
        if (expected.has("output")) {
            assertThat(render(template, vars)).isEqualTo(expected.get("output").asText());
            return;
        }
        String error = expected.get("error").asText();
        if (error.startsWith("raise_exception: ")) {
            assertThatThrownBy(() -> render(template, vars)).isInstanceOf(TemplateException.class)
                    .hasMessage(error.substring("raise_exception: ".length()));
            return;
        }
        try {
            fail("Python failed with " + error + " but we rendered: " + render(template, vars));
        } catch (TemplateException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
