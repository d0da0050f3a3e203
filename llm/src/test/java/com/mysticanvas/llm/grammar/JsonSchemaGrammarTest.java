package com.mysticanvas.llm.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * For each schema in json-schema-cases.json: the grammar accepts the listed documents (which a JSON Schema
 * validator also accepts), rejects the listed wrong ones, and every random document the grammar can produce
 * validates against the schema (networknt json-schema-validator, draft 2020-12).
 */
class JsonSchemaGrammarTest {
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final int SAMPLES = 60;

    static JsonNode cases() throws IOException {
        try (InputStream in = JsonSchemaGrammarTest.class.getResourceAsStream("/json-schema-cases.json")) {
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @TestFactory
    Stream<DynamicTest> grammarsAcceptValidAndRejectInvalidDocuments() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(30);
        return tests.stream();
    }

    private static void check(JsonNode c) {
        String grammarText = JsonSchemaGrammar.fromSchema(c.get("schema"));
        Gbnf grammar = Gbnf.parse(grammarText);
        Schema validator = VALIDATORS.getSchema(Json.write(standardJsonSchema(c.get("schema").deepCopy())));
        for (JsonNode doc : c.get("accepted")) {
            assertThat(validator.validate(doc.asText(), InputFormat.JSON)).as("test data: %s validates", doc).isEmpty();
            assertThat(grammar.matches(doc.asText())).as("grammar accepts %s\n%s", doc, grammarText).isTrue();
        }
        for (JsonNode doc : c.get("rejected")) {
            assertThat(grammar.matches(doc.asText())).as("grammar rejects %s\n%s", doc, grammarText).isFalse();
        }
        Random random = new Random(c.get("name").asText().hashCode());
        int produced = 0;
        for (int i = 0; i < SAMPLES; i++) {
            String sample = grammar.sample(random, 400);
            if (sample == null) {
                continue;
            }
            produced++;
            assertThat(grammar.matches(sample)).isTrue();
            assertThat(validator.validate(sample, InputFormat.JSON))
                    .as("random document %s from the grammar validates\n%s", sample, grammarText).isEmpty();
        }
        assertThat(produced).as("random documents produced").isGreaterThan(SAMPLES / 4);
    }

    /** OpenAPI's {@code nullable} is not JSON Schema: spell it as a type list for the validator. */
    private static JsonNode standardJsonSchema(JsonNode schema) {
        if (schema instanceof ObjectNode o) {
            if (o.path("nullable").asBoolean(false) && o.has("type")) {
                ArrayNode types = Json.MAPPER.createArrayNode().add(o.get("type")).add("null");
                o.set("type", types);
                o.remove("nullable");
            }
            o.properties().forEach(e -> standardJsonSchema(e.getValue()));
        } else if (schema instanceof ArrayNode a) {
            a.forEach(JsonSchemaGrammarTest::standardJsonSchema);
        }
        return schema;
    }

    @Test
    void anyJsonObjectAcceptsObjectsOnly() {
        Gbnf grammar = Gbnf.parse(JsonSchemaGrammar.anyJsonObject());
        assertThat(grammar.matches("{}")).isTrue();
        assertThat(grammar.matches("{\"a\": [1, {\"b\": null}], \"c\": \"d\\u00e9\"}")).isTrue();
        assertThat(grammar.matches("[1]")).isFalse();
        assertThat(grammar.matches("\"x\"")).isFalse();
        assertThat(grammar.matches("{\"a\" 1}")).isFalse();
        Random random = new Random(3);
        for (int i = 0; i < 40; i++) {
            String sample = grammar.sample(random, 300);
            if (sample != null) {
                assertThat(Json.parse(sample).isObject()).isTrue();
            }
        }
    }

    @Test
    void unsupportedOrBrokenSchemasAre400sNamingThePart() {
        expect400("{\"$ref\": \"#/$defs/Missing\"}", "#/$defs/Missing", "does not resolve");
        expect400("{\"$ref\": \"https://example.com/s.json\"}", "not a local reference");
        expect400("{\"type\": \"object\", \"properties\": {\"a\": {\"not\": {\"type\": \"string\"}}}}",
                "schema.properties.a.not");
        expect400("{\"if\": {}, \"then\": {}}", "schema.");
        expect400("{\"type\": \"array\", \"uniqueItems\": true}", "uniqueItems");
        expect400("{\"type\": \"integer\", \"multipleOf\": 3}", "multipleOf");
        expect400("{\"type\": \"string\", \"pattern\": \"^(?=a)b$\"}", "lookaround");
        expect400("{\"type\": \"string\", \"pattern\": \"^(a)\\\\1$\"}", "back reference");
        expect400("{\"type\": \"string\", \"pattern\": \"^a$\", \"maxLength\": 3}", "pattern");
        expect400("{\"type\": \"number\", \"minimum\": 0.5}", "whole number");
        expect400("{\"type\": \"array\", \"minItems\": 3, \"maxItems\": 2}", "minItems above maxItems");
        expect400("{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 4}", "no integer");
        expect400("{\"type\": \"widget\"}", "'widget' is not a JSON Schema type");
        expect400("false", "no value satisfies it");
        expect400("\"string\"", "must be a JSON Schema");
        expect400("{\"type\": \"object\", \"properties\": {\"a\": {}}, \"required\": [\"b\"]}", "'b'");
        expect400("{\"allOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}", "conflicts");
        expect400("{\"type\": \"string\", \"minLength\": 5000}", "more than 2000");
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(null)).isInstanceOf(Problem.class);
    }

    private static void expect400(String schema, String... fragments) {
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(Json.parse(schema)))
                .isInstanceOfSatisfying(Problem.class, e -> {
                    assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT);
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                });
    }

    @Test
    void deepOrHugeSchemasAreRefusedNotCrashing() {
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            deep.append("{\"type\": \"array\", \"items\": ");
        }
        deep.append("{\"type\": \"integer\"}").append("}".repeat(200));
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(Json.parse(deep.toString())))
                .isInstanceOf(Problem.class).hasMessageContaining("deeper");
        ObjectNode wide = Json.object().put("type", "object");
        ObjectNode props = wide.putObject("properties");
        for (int i = 0; i < 3000; i++) {
            props.putObject("p" + i).put("type", "string");
        }
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(wide))
                .isInstanceOf(Problem.class).hasMessageContaining("too large");
    }
}
