package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.grammar.Gbnf;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The grammar of {@code tool_choice: required} for every family that has one, against the family's own reader:
 * every sentence the grammar allows (random samples) reads back as calls of offered functions whose arguments
 * validate under their schemas, with nothing left over as content. (ForcedToolCallTest runs some of them on
 * llama.cpp.)
 */
public class ToolCallGrammarTest {
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    static final JsonNode TOOLS = Json.parse("""
            [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
               "properties": {"city": {"type": "string", "maxLength": 12}, "unit": {"enum": ["c", "f"]},
                 "days": {"type": "integer", "minimum": 1, "maximum": 7}}, "required": ["city", "unit"]}}},
             {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}},
             {"type": "function", "function": {"name": "add", "parameters": {"type": "object",
               "properties": {"a": {"type": "integer"}, "b": {"type": "number"}, "exact": {"type": "boolean"}},
               "required": ["a", "b"], "additionalProperties": false}}}]""");

    /** A template of each family that can be forced. */
    public static Map<String, ToolCallFormat> forcible() {
        Map<String, ToolCallFormat> templates = new LinkedHashMap<>();
        templates.put("Qwen-Qwen2.5-7B-Instruct", ToolCallFormat.HERMES);
        templates.put("meta-llama-Llama-3.1-8B-Instruct", ToolCallFormat.LLAMA3_JSON);
        templates.put("mistralai-Mistral-Nemo-Instruct-2407", ToolCallFormat.MISTRAL);
        templates.put("Mistral-Small-3.2-24B-Instruct-2506", ToolCallFormat.MISTRAL);
        for (ToolFamiliesTest.Family f : ToolFamiliesTest.FAMILIES) {
            for (String t : f.templates()) {
                if (f.format() != ToolCallFormat.MUSE) {
                    templates.putIfAbsent(t, f.format());
                }
            }
        }
        return templates;
    }

    @TestFactory
    Stream<DynamicTest> everyCallTheGrammarAllowsReadsBackAsValidCalls() {
        return forcible().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            String template = ToolCallFormatTest.template(e.getKey());
            ToolCallFormat format = ToolCallFormat.detect(template);
            assertThat(format).isEqualTo(e.getValue());
            Gbnf grammar = Gbnf.parse(ToolCallGrammar.forChoice(Json.MAPPER.getNodeFactory().textNode("required"), TOOLS,
                    true, template, null));
            Random random = new Random(e.getKey().hashCode());
            int read = 0;
            for (int i = 0; i < 40; i++) {
                String sentence = grammar.sample(random, 700);
                if (sentence == null) {
                    continue;
                }
                read++;
                ReplySplitter splitter = new ReplySplitter(format, TOOLS, true, false, false);
                splitter.continuePrompt(">>>"); // Functionary's prompt ends with the marker; others ignore it
                List<ReplyDelta> deltas = new ArrayList<>(splitter.accept(sentence));
                deltas.addAll(splitter.finish());
                assertCalls(sentence, deltas);
            }
            assertThat(read).as("sentences that ended within 700 characters").isGreaterThan(10);
        }));
    }

    private static void assertCalls(String sentence, List<ReplyDelta> deltas) {
        List<ReplyDelta.ToolCall> calls = new ArrayList<>();
        for (ReplyDelta d : deltas) {
            switch (d) {
                case ReplyDelta.ToolCalls c -> calls.addAll(c.calls());
                case ReplyDelta.Content c -> assertThat(c.text().strip()).as("content of %s", sentence).isEmpty();
                case ReplyDelta.Reasoning r -> assertThat(r.text()).as("reasoning of %s", sentence).isEmpty();
            }
        }
        assertThat(calls).as(sentence).isNotEmpty();
        for (ReplyDelta.ToolCall call : calls) {
            JsonNode schema = schemaOf(call.name());
            assertThat(schema).as("%s called %s", sentence, call.name()).isNotNull();
            var errors = VALIDATORS.getSchema(Json.write(schema), InputFormat.JSON).validate(call.arguments(), InputFormat.JSON);
            assertThat(errors).as("%s -> %s(%s)", sentence, call.name(), call.arguments()).isEmpty();
        }
    }

    private static JsonNode schemaOf(String name) {
        for (JsonNode tool : TOOLS) {
            if (tool.path("function").path("name").asText().equals(name)) {
                return tool.path("function").path("parameters");
            }
        }
        return null;
    }

    @Test
    void aNamedFunctionOrNoParallelCallsGiveOneCall() throws Exception {
        String template = ToolCallFormatTest.template("Kimi-K2-Instruct");
        Gbnf named = Gbnf.parse(ToolCallGrammar.forChoice(Json.parse("{\"type\": \"function\", \"function\": {\"name\": \"now\"}}"),
                TOOLS, true, template, null));
        String one = "<|tool_calls_section_begin|><|tool_call_begin|>functions.now:0<|tool_call_argument_begin|>{}"
                + "<|tool_call_end|><|tool_calls_section_end|>";
        String two = one.replace("<|tool_calls_section_end|>", "") + one.replace("<|tool_calls_section_begin|>", "");
        assertThat(named.matches(one)).isTrue();
        assertThat(named.matches(two)).isFalse();
        assertThat(named.matches(one.replace("now", "add"))).isFalse();
        Gbnf parallel = Gbnf.parse(ToolCallGrammar.forChoice(Json.MAPPER.getNodeFactory().textNode("required"), TOOLS, true,
                template, null));
        Gbnf single = Gbnf.parse(ToolCallGrammar.forChoice(Json.MAPPER.getNodeFactory().textNode("required"), TOOLS, false,
                template, null));
        assertThat(parallel.matches(two)).isTrue();
        assertThat(single.matches(two)).isFalse();
        assertThat(single.matches(one)).isTrue();
    }

    @Test
    void aReasoningModelThinksBeforeTheForcedCall() throws Exception {
        String r1 = ToolCallFormatTest.template("llama-cpp-deepseek-r1");
        Thought opened = new Thought("<think>", "</think>", true);
        Gbnf grammar = Gbnf.parse(ToolCallGrammar.forChoice(Json.MAPPER.getNodeFactory().textNode("required"), TOOLS, true,
                r1, opened));
        String call = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>now\n```json\n{}\n```<｜tool▁call▁end｜>"
                + "<｜tool▁calls▁end｜>";
        assertThat(grammar.matches("The user wants the time. <b>Call</b> it: </thin << </think>\n\n" + call)).isTrue();
        assertThat(grammar.matches(call)).as("the opened thought must be closed first").isFalse();
        assertThat(grammar.matches("one </think> two </think>" + call)).isFalse();
        ReplySplitter splitter = new ReplySplitter(ToolCallFormat.DEEPSEEK, true, true, true);
        List<ReplyDelta> deltas = new ArrayList<>(splitter.accept("Time. </think>\n\n" + call));
        deltas.addAll(splitter.finish());
        assertThat(deltas).containsExactly(new ReplyDelta.Reasoning("Time."),
                new ReplyDelta.ToolCalls(List.of(((ReplyDelta.ToolCalls) deltas.get(1)).calls().getFirst())));
        assertThat(((ReplyDelta.ToolCalls) deltas.get(1)).calls().getFirst().name()).isEqualTo("now");

        Thought optional = new Thought("<think>", "</think>", false);
        String qwen3 = ToolCallFormatTest.template("Qwen-Qwen3-0.6B");
        Gbnf maybe = Gbnf.parse(ToolCallGrammar.forChoice(Json.MAPPER.getNodeFactory().textNode("required"), TOOLS, true,
                qwen3, optional));
        String hermes = "<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>";
        assertThat(maybe.matches(hermes)).isTrue();
        assertThat(maybe.matches("<think>\nhm\n</think>\n\n" + hermes)).isTrue();
    }

    @Test
    void familiesWithoutALayoutSayToUseAuto() throws Exception {
        assertThatThrownBy(() -> ToolCallGrammar.forChoice(Json.MAPPER.getNodeFactory().textNode("required"), TOOLS, true,
                ToolCallFormatTest.template("muse-glimmer"), null))
                .isInstanceOf(Problem.class).hasMessageContaining("use tool_choice 'auto'");
    }
}
