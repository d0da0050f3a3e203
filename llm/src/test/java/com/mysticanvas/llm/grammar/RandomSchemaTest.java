package com.mysticanvas.llm.grammar;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random schemas built from the supported keywords: each converts (or is refused with a 400, nothing else), the
 * grammar passes llama.cpp's checks, and random documents from it validate against the schema.
 */
class RandomSchemaTest {
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final String[] PATTERNS = {"^[a-z]+$", "^\\d{2,4}$", "^(yes|no)$", "ab", "^[A-Z][a-z]*( [A-Z][a-z]*)?$",
        "^[^\\s]{1,5}$", "x+y?", "^\\w+@\\w+\\.com$"};

    private final Random random = new Random(5);

    @Test
    void randomSchemasGiveGrammarsWhoseDocumentsValidate() {
        int converted = 0;
        int documents = 0;
        for (int i = 0; i < 400; i++) {
            ObjectNode root = Json.object();
            ObjectNode defs = root.putObject("$defs");
            defs.set("shared", schema(2, null));
            root.setAll(schema(3, defs));
            String grammarText;
            try {
                grammarText = JsonSchemaGrammar.fromSchema(root);
            } catch (Problem refused) {
                assertThat(refused.kind()).isEqualTo(Problem.Kind.BAD_INPUT);
                continue;
            }
            converted++;
            Gbnf grammar = Gbnf.parse(grammarText);
            Schema validator = VALIDATORS.getSchema(Json.write(root));
            for (int k = 0; k < 8; k++) {
                String doc = grammar.sample(random, 300);
                if (doc == null) {
                    continue;
                }
                java.util.List<com.networknt.schema.Error> errors;
                try {
                    errors = validator.validate(doc, InputFormat.JSON);
                } catch (RuntimeException validatorBug) {
                    continue; // networknt 3.0.9 fails on e.g. 7e53 against an integer bound (asLong overflow)
                }
                documents++;
                assertThat(errors).as("%s\nfrom schema %s\ngrammar:\n%s", doc, root, grammarText).isEmpty();
            }
        }
        assertThat(converted).isGreaterThan(250);
        assertThat(documents).isGreaterThan(500);
    }

    private ObjectNode schema(int depth, ObjectNode defs) {
        ObjectNode s = Json.object();
        int kind = random.nextInt(depth > 0 ? 12 : 7);
        switch (kind) {
            case 0 -> {
                s.put("type", "string");
                switch (random.nextInt(4)) {
                    case 0 -> s.put("minLength", random.nextInt(3)).put("maxLength", 3 + random.nextInt(5));
                    case 1 -> s.put("pattern", PATTERNS[random.nextInt(PATTERNS.length)]);
                    case 2 -> s.put("format", new String[] {"date", "time", "date-time", "uuid", "email"}[random.nextInt(5)]);
                    default -> { }
                }
            }
            case 1 -> {
                s.put("type", "integer");
                int lo = random.nextInt(2000) - 1000;
                if (random.nextBoolean()) {
                    s.put(random.nextBoolean() ? "minimum" : "exclusiveMinimum", lo);
                }
                if (random.nextBoolean()) {
                    s.put(random.nextBoolean() ? "maximum" : "exclusiveMaximum", lo + 2 + random.nextInt(5000));
                }
            }
            case 2 -> {
                s.put("type", "number");
                int lo = random.nextInt(200) - 100;
                if (random.nextBoolean()) {
                    s.put(random.nextBoolean() ? "minimum" : "exclusiveMinimum", lo);
                }
                if (random.nextBoolean()) {
                    s.put(random.nextBoolean() ? "maximum" : "exclusiveMaximum", lo + 1 + random.nextInt(300));
                }
            }
            case 3 -> s.put("type", random.nextBoolean() ? "boolean" : "null");
            case 4 -> {
                ArrayNode values = s.putArray("enum");
                values.add("a b").add(random.nextInt(50)).add(random.nextBoolean()).addNull().add("é\"q");
            }
            case 5 -> s.set("const", Json.parse("{\"k\": [1, \"two\"]}"));
            case 6 -> {
                ArrayNode types = s.putArray("type");
                types.add("string").add("null");
            }
            case 7, 8 -> {
                s.put("type", "object");
                ObjectNode props = s.putObject("properties");
                ArrayNode required = s.putArray("required");
                for (int p = random.nextInt(4); p >= 0; p--) {
                    String name = "p" + p + (random.nextBoolean() ? " x" : "");
                    props.set(name, schema(depth - 1, defs));
                    if (random.nextBoolean()) {
                        required.add(name);
                    }
                }
                if (random.nextInt(3) == 0) {
                    s.set("additionalProperties", random.nextBoolean() ? Json.MAPPER.getNodeFactory().booleanNode(true)
                            : schema(0, null));
                }
            }
            case 9 -> {
                s.put("type", "array");
                s.set("items", schema(depth - 1, defs));
                if (random.nextBoolean()) {
                    int min = random.nextInt(3);
                    s.put("minItems", min).put("maxItems", min + random.nextInt(3));
                }
                if (random.nextInt(4) == 0) {
                    s.putArray("prefixItems").add(schema(0, null));
                }
            }
            case 10 -> {
                ArrayNode any = s.putArray(random.nextBoolean() ? "anyOf" : "allOf");
                any.add(schema(depth - 1, defs)).add(schema(depth - 1, defs));
            }
            default -> {
                if (defs != null) {
                    s.put("$ref", "#/$defs/shared");
                } else {
                    s.put("type", "string");
                }
            }
        }
        return s;
    }
}
