package com.mysticanvas.llm.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.synth.LlmSynthModels;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code response_format: json_schema} end to end on real llama.cpp: our schema-to-GBNF converter, llama.cpp's
 * grammar sampler and the tiny random-weight model. Whatever the random weights want to say, every reply that
 * ends by itself is JSON that validates against its schema.
 */
class StructuredOutputTest {
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    @TempDir
    static Path root;
    static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        Path models = root.resolve("models");
        LlmSynthModels.write("tiny", models);
        worker = new WorkerProcess(models, LlmSynthModels.TINY_FILE).awaitModel(LlmSynthModels.TINY_FILE);
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
    }

    @Test
    void everyFinishedReplyValidatesAgainstItsSchema() throws Exception {
        JsonNode cases = Json.MAPPER.readTree(StructuredOutputTest.class.getResourceAsStream("/json-schema-cases.json"));
        List<String> invalid = new ArrayList<>();
        int validated = 0;
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            ObjectNode body = Json.object().put("max_tokens", 300).put("temperature", 0.7).put("seed", i);
            body.putArray("messages").addObject().put("role", "user").put("content", "answer in JSON");
            ObjectNode format = body.putObject("response_format").put("type", "json_schema");
            format.putObject("json_schema").put("name", "case" + i).set("schema", c.get("schema"));
            WorkerProcess.Answer answer = worker.post("/v1/chat/completions", body);
            assertThat(answer.status()).as("%s: %s", c.path("name").asText(), answer.body()).isEqualTo(200);
            JsonNode choice = answer.json().path("choices").get(0);
            if (!choice.path("finish_reason").asText().equals("stop")) {
                continue; // cut off by max_tokens: unfinished JSON is expected then
            }
            String content = choice.path("message").path("content").asText();
            Schema schema = VALIDATORS.getSchema(Json.write(c.get("schema")), InputFormat.JSON);
            var errors = schema.validate(content, InputFormat.JSON);
            if (!errors.isEmpty()) {
                invalid.add(c.path("name").asText() + ": " + content + " -> " + errors);
            }
            validated++;
        }
        assertThat(invalid).isEmpty();
        assertThat(validated).as("replies that finished and were validated").isGreaterThanOrEqualTo(20);
    }

    @Test
    void jsonObjectGivesAJsonObject() throws Exception {
        int objects = 0;
        for (int seed = 0; seed < 10; seed++) {
            ObjectNode body = Json.object().put("max_tokens", 300).put("seed", seed);
            body.putArray("messages").addObject().put("role", "user").put("content", "{");
            body.putObject("response_format").put("type", "json_object");
            JsonNode choice = worker.post("/v1/chat/completions", body).json().path("choices").get(0);
            if (choice.path("finish_reason").asText().equals("stop")) {
                assertThat(Json.parse(choice.path("message").path("content").asText()).isObject()).isTrue();
                objects++;
            }
        }
        assertThat(objects).isPositive();
    }

    @Test
    void toolsNeedATemplateWithToolSyntaxAndBadSchemasAre400() throws Exception {
        ObjectNode tools = Json.object();
        tools.putArray("messages").addObject().put("role", "user").put("content", "hi");
        tools.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "f");
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", tools);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).contains("no tool-call syntax");

        ObjectNode bad = Json.object();
        bad.putArray("messages").addObject().put("role", "user").put("content", "hi");
        bad.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .putObject("schema").put("$ref", "#/$defs/missing");
        assertThat(worker.post("/v1/chat/completions", bad).status()).isEqualTo(400);
    }
}
