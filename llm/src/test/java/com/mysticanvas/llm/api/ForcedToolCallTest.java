package com.mysticanvas.llm.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import com.mysticanvas.llm.tools.ToolCallFormat;
import com.mysticanvas.llm.tools.ToolCallGrammarTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tool_choice: "required"} and a named function, end to end on real llama.cpp: the tiny random-weight
 * model under real chat templates (Qwen 2.5's Hermes calls, Llama 3.1's JSON calls) is held by our grammar to
 * a call, which the reply splitter then returns as OpenAI {@code tool_calls} with arguments valid under the
 * function's schema, whatever the weights would have said.
 */
class ForcedToolCallTest {
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final String QWEN = "qwen-tools.gguf";
    private static final String LLAMA3 = "llama3-tools.gguf";
    private static final String MUSE = "muse-tools.gguf";
    private static final String R1 = "r1-distill.gguf";
    private static final JsonNode TOOLS = Json.parse("""
            [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12, "description": "City"},
                 "unit": {"enum": ["c", "f"], "description": "Unit"}}, "required": ["city", "unit"], "additionalProperties": false}}},
             {"type": "function", "function": {"name": "add", "description": "Adds two numbers",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer", "description": "First"},
                 "b": {"type": "integer", "description": "Second"}},
                 "required": ["a", "b"], "additionalProperties": false}}}]""");

    @TempDir
    static Path root;
    static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        Path models = root.resolve("models");
        TemplatedTinyModel.write(models, QWEN, "Qwen-Qwen2.5-7B-Instruct.jinja");
        TemplatedTinyModel.write(models, LLAMA3, "meta-llama-Llama-3.1-8B-Instruct.jinja");
        TemplatedTinyModel.write(models, MUSE, "muse-glimmer.jinja");
        TemplatedTinyModel.write(models, R1, "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja");
        worker = new WorkerProcess(models, null);
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
    }

    private static void load(String model) throws Exception {
        // The tool definitions make a long prompt in the tiny model's small vocabulary.
        WorkerProcess.Answer a = worker.post("/v1/llm/load", Json.object().put("model", model).put("n_ctx", 8192)
                .put("parallel", 1).put("threads", 1));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
    }

    private static ObjectNode request(JsonNode toolChoice, int seed) {
        ObjectNode body = Json.object().put("max_tokens", 200).put("temperature", 0.8).put("seed", seed)
                .put("parallel_tool_calls", false);
        body.putArray("messages").addObject().put("role", "user").put("content", "What is the weather in Oslo?");
        body.set("tools", TOOLS.deepCopy());
        body.set("tool_choice", toolChoice);
        return body;
    }

    /** Asks {@code times} times; every reply that ended by itself must be exactly one valid call. Returns their names. */
    private static List<String> forcedCalls(JsonNode toolChoice, int times) throws Exception {
        List<String> names = new ArrayList<>();
        for (int seed = 0; seed < times; seed++) {
            WorkerProcess.Answer a = worker.post("/v1/chat/completions", request(toolChoice, seed));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            JsonNode choice = a.json().path("choices").get(0);
            if (choice.path("finish_reason").asText().equals("length")) {
                continue; // a string argument still open at max_tokens
            }
            assertThat(choice.path("finish_reason").asText()).as(a.body()).isEqualTo("tool_calls");
            JsonNode calls = choice.path("message").path("tool_calls");
            assertThat(calls).as(a.body()).hasSize(1);
            JsonNode function = calls.get(0).path("function");
            String name = function.path("name").asText();
            JsonNode schema = schemaOf(name);
            var errors = VALIDATORS.getSchema(Json.write(schema), InputFormat.JSON)
                    .validate(function.path("arguments").asText(), InputFormat.JSON);
            assertThat(errors).as("%s(%s)", name, function.path("arguments").asText()).isEmpty();
            names.add(name);
        }
        return names;
    }

    private static JsonNode schemaOf(String name) {
        for (JsonNode tool : TOOLS) {
            if (tool.path("function").path("name").asText().equals(name)) {
                return tool.path("function").path("parameters");
            }
        }
        throw new AssertionError("the model called '" + name + "', which was not offered");
    }

    @Test
    void requiredGivesOneValidCallOfAnOfferedFunctionInHermesAndLlama3Syntax() throws Exception {
        for (String model : List.of(QWEN, LLAMA3)) {
            load(model);
            List<String> names = forcedCalls(Json.MAPPER.getNodeFactory().textNode("required"), 6);
            assertThat(names).as(model).hasSizeGreaterThanOrEqualTo(3).allMatch(n -> n.equals("get_weather") || n.equals("add"));
        }
    }

    @Test
    void aNamedFunctionIsTheOneCalled() throws Exception {
        load(QWEN);
        JsonNode choice = Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"add\"}}");
        assertThat(forcedCalls(choice, 4)).isNotEmpty().containsOnly("add");
    }

    @Test
    void aStreamedForcedCallArrivesAsToolCallDeltas() throws Exception {
        load(QWEN);
        for (int seed = 0; ; seed++) {
            assertThat(seed).as("no streamed call finished within 10 tries").isLessThan(10);
            ObjectNode body = request(Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}"), seed);
            body.put("stream", true);
            List<JsonNode> events = new Sse(worker.stream("/v1/chat/completions", body).body()).all();
            String finish = events.getLast().path("choices").get(0).path("finish_reason").asText();
            if (finish.equals("length")) {
                continue;
            }
            assertThat(finish).isEqualTo("tool_calls");
            List<JsonNode> calls = events.stream().map(e -> e.path("choices").get(0).path("delta").path("tool_calls"))
                    .filter(JsonNode::isArray).toList();
            assertThat(calls).isNotEmpty();
            assertThat(calls.getFirst().get(0).path("function").path("name").asText()).isEqualTo("get_weather");
            assertThat(events).noneMatch(e -> e.path("choices").get(0).path("delta").path("content").asText("").contains("<tool_call>"));
            return;
        }
    }

    @Test
    void unknownChoicesUnknownFunctionsAndUnsupportedSyntaxesAre400() throws Exception {
        load(QWEN);
        assertError(request(Json.MAPPER.getNodeFactory().textNode("sometimes"), 0), "tool_choice must be");
        assertError(request(Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"fly\"}}"), 0), "'fly'");
        ObjectNode both = request(Json.MAPPER.getNodeFactory().textNode("required"), 0);
        both.putObject("response_format").put("type", "json_object");
        assertError(both, "cannot both");
        ObjectNode badSchema = request(Json.MAPPER.getNodeFactory().textNode("required"), 0);
        ((ObjectNode) ((ArrayNode) badSchema.get("tools")).get(1).path("function").path("parameters"))
                .put("$ref", "#/$defs/missing");
        assertError(badSchema, "does not resolve");
        load(MUSE);
        assertError(request(Json.MAPPER.getNodeFactory().textNode("required"), 0), "use tool_choice 'auto'");
    }

    /**
     * Every family's grammar parses in llama.cpp and holds the random model to a call its reader reads back:
     * DeepSeek, Kimi, Gemma 4, Command R, MiniMax, Seed-OSS, Granite, LFM2, Functionary ... (one request each).
     */
    @Test
    void everyFamilysForcedCallRunsOnLlamaCpp() throws Exception {
        Map<String, String> unfinished = new TreeMap<>();
        int called = 0;
        for (Map.Entry<String, ToolCallFormat> family : ToolCallGrammarTest.forcible().entrySet()) {
            String file = "family-" + family.getValue().name().toLowerCase() + ".gguf";
            // some templates' tool preambles (Command R's) outgrow the tiny model's 4096 trained tokens
            TemplatedTinyModel.write(root.resolve("models"), file, family.getKey() + ".jinja", 16384);
            load(file);
            ObjectNode body = request(Json.MAPPER.getNodeFactory().textNode("required"), 1);
            body.put("max_tokens", 200).put("reasoning_budget", 0); // a random model's thought never ends
            WorkerProcess.Answer a = worker.post("/v1/chat/completions", body);
            assertThat(a.status()).as("%s: %s", family.getKey(), a.body()).isEqualTo(200);
            JsonNode choice = a.json().path("choices").get(0);
            if (choice.path("finish_reason").asText().equals("length")) {
                unfinished.put(family.getKey(), choice.path("message").toString());
                continue;
            }
            assertThat(choice.path("finish_reason").asText()).as("%s: %s", family.getKey(), a.body()).isEqualTo("tool_calls");
            JsonNode calls = choice.path("message").path("tool_calls");
            assertThat(calls).as("%s: %s", family.getKey(), a.body()).hasSize(1);
            JsonNode function = calls.get(0).path("function");
            var errors = VALIDATORS.getSchema(Json.write(schemaOf(function.path("name").asText())), InputFormat.JSON)
                    .validate(function.path("arguments").asText(), InputFormat.JSON);
            assertThat(errors).as("%s: %s", family.getKey(), a.body()).isEmpty();
            assertThat(choice.path("message").path("content").asText("")).as(family.getKey()).isBlank();
            called++;
        }
        assertThat(called).as("families whose call ended within max_tokens; unfinished: %s", unfinished)
                .isGreaterThanOrEqualTo(ToolCallGrammarTest.forcible().size() * 3 / 4);
    }

    private static void assertError(ObjectNode body, String text) throws Exception {
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.json().path("error").path("message").asText()).contains(text);
    }

    /**
     * Structured output from a reasoning model whose prompt opened the thought (DeepSeek-R1): the grammar closes
     * the thought before the JSON, so the JSON is the content, not reasoning_content.
     */
    @Test
    void structuredOutputFromAReasoningModelLandsInTheContent() throws Exception {
        load(R1);
        ObjectNode body = Json.object().put("max_tokens", 200).put("temperature", 0.8).put("seed", 3)
                .put("reasoning_budget", 0); // a random model's thought never ends by itself
        body.putArray("messages").addObject().put("role", "user").put("content", "Add two numbers");
        body.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .set("schema", schemaOf("add"));
        WorkerProcess.Answer a = worker.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode message = a.json().path("choices").get(0).path("message");
        assertThat(message.path("reasoning_content").asText("")).as(a.body()).isEmpty();
        var errors = VALIDATORS.getSchema(Json.write(schemaOf("add")), InputFormat.JSON)
                .validate(message.path("content").asText(), InputFormat.JSON);
        assertThat(errors).as(a.body()).isEmpty();
    }
}
