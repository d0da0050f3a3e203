package com.mysticanvas.llm.tools;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The call syntax of each family among the 70 reference templates that offers tools beyond Hermes, Llama 3,
 * Mistral and gpt-oss: detected from the template, and two calls written as that template renders them (the
 * "parallel_tool_calls" conversation of {@code chat-templates/expected}) read back whole and in random pieces.
 */
class ToolFamiliesTest {
    private static final String WEATHER = "get_weather {\"location\":\"Rome\"}";
    private static final String TIME = "get_time {}";

    /** One family: the templates that write it, a reply as its models write it, and what it holds. */
    record Family(ToolCallFormat format, List<String> templates, boolean insideThinking, String reply,
                  ReplySplitterTest.Split expected) {}

    static ReplySplitterTest.Split calls(String reasoning, String... calls) {
        return ReplySplitterTest.expect(reasoning, "", calls);
    }

    static final List<Family> FAMILIES = List.of(
            new Family(ToolCallFormat.DEEPSEEK, List.of("llama-cpp-deepseek-r1", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
                    "deepseek-ai-DeepSeek-R1-Distill-Llama-8B"), true,
                    "Weather and time.\n</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
                            + "```json\n{\"location\": \"Rome\"}\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>"
                            + "get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
                    calls("Weather and time.", WEATHER, TIME)),
            new Family(ToolCallFormat.DEEPSEEK, List.of("deepseek-ai-DeepSeek-V3.1"), false,
                    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{\"location\": \"Rome\"}<｜tool▁call▁end｜>"
                            + "<｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.DEEPSEEK_DSML, List.of("deepseek-ai-DeepSeek-V3.2"), false,
                    "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"get_weather\">\n<｜DSML｜parameter name=\"location\" "
                            + "string=\"true\">Rome</｜DSML｜parameter>\n</｜DSML｜invoke>\n<｜DSML｜invoke name=\"get_time\">\n"
                            + "</｜DSML｜invoke>\n</｜DSML｜function_calls>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.DEEPSEEK_DSML, List.of("deepseek-ai-DeepSeek-V4", "deepseek-ai-DeepSeek-V4-Flash-0731"), false,
                    "<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"get_weather\">\n<｜DSML｜parameter name=\"location\" "
                            + "string=\"true\">Rome</｜DSML｜parameter>\n</｜DSML｜invoke>\n<｜DSML｜invoke name=\"get_time\">\n\n"
                            + "</｜DSML｜invoke>\n</｜DSML｜tool_calls>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.KIMI_K2, List.of("Kimi-K2-Thinking", "Kimi-K2-Instruct", "moonshotai-Kimi-K2"), false,
                    "<think>Both.</think><|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
                            + "<|tool_call_argument_begin|>{\"location\": \"Rome\"}<|tool_call_end|><|tool_call_begin|>"
                            + "functions.get_time:1<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>",
                    calls("Both.", WEATHER, TIME)),
            new Family(ToolCallFormat.KIMI_K3, List.of("Kimi-K3"), true,
                    "Both.<|close|>think<|sep|><|open|>response<|sep|><|close|>response<|sep|><|open|>tools<|sep|>"
                            + "<|open|>call tool=\"get_weather\" index=\"1\"<|sep|><|open|>argument key=\"location\" "
                            + "type=\"string\"<|sep|>Rome<|close|>argument<|sep|><|close|>call<|sep|><|open|>call "
                            + "tool=\"get_time\" index=\"2\"<|sep|><|close|>call<|sep|><|close|>tools<|sep|>",
                    calls("Both.", WEATHER, TIME)),
            new Family(ToolCallFormat.GEMMA4, List.of("google-gemma-4-31B-it", "google-gemma-4-31B-it-interleaved"), false,
                    "<|tool_call>call:get_weather{location:<|\"|>Rome<|\"|>}<tool_call|><|tool_call>call:get_time{}<tool_call|>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.COMMAND_R, List.of("CohereForAI-c4ai-command-r7b-12-2024-tool_use", "Cohere2MoE"), false,
                    "<|START_THINKING|>Both.<|END_THINKING|><|START_ACTION|>[\n    {\"tool_call_id\": \"0\", \"tool_name\": "
                            + "\"get_weather\", \"parameters\": {\"location\": \"Rome\"}},\n    {\"tool_call_id\": \"1\", "
                            + "\"tool_name\": \"get_time\", \"parameters\": {}}\n]<|END_ACTION|>",
                    calls("Both.", WEATHER, TIME)),
            new Family(ToolCallFormat.COMMAND_R, List.of("CohereForAI-c4ai-command-r-plus-tool_use"), false,
                    "Action:\n```json\n[\n    {\n        \"tool_name\": \"get_weather\",\n        \"parameters\": "
                            + "{\"location\": \"Rome\"}\n    },\n    {\"tool_name\": \"get_time\", \"parameters\": {}}\n]\n```",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.MINIMAX_M2, List.of("MiniMax-M2"), true,
                    "Both.\n</think>\n\n<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Rome"
                            + "</parameter>\n</invoke>\n<invoke name=\"get_time\">\n</invoke>\n</minimax:tool_call>",
                    calls("Both.", WEATHER, TIME)),
            new Family(ToolCallFormat.TOOL_CALLS_TAG, List.of("MiniMax-M1"), false,
                    "<tool_calls>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Rome\"}}\n{\"name\": \"get_time\", "
                            + "\"arguments\": {}}\n</tool_calls>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.TOOL_CALLS_TAG, List.of("Apriel-1.6-15b-Thinker-fixed"), false,
                    "<tool_calls>[{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Rome\"}, \"id\": \"call00001\"}, "
                            + "{\"name\": \"get_time\", \"arguments\": {}, \"id\": \"call00002\"}]</tool_calls>",
                    calls("", WEATHER + " #call00001", TIME + " #call00002")),
            new Family(ToolCallFormat.SEED_OSS, List.of("ByteDance-Seed-OSS"), false,
                    "<seed:think>Both.</seed:think><seed:tool_call>\n<function=get_weather>\n<parameter=location>Rome"
                            + "</parameter>\n</function>\n</seed:tool_call>\n<seed:tool_call>\n<function=get_time>\n</function>\n"
                            + "</seed:tool_call>",
                    calls("Both.", WEATHER, TIME)),
            new Family(ToolCallFormat.HUNYUAN, List.of("tencent-Hy3"), false,
                    "<think:opensource>Both.</think:opensource><tool_calls:opensource>\n<tool_call:opensource>get_weather"
                            + "<tool_sep:opensource>\n<arg_key:opensource>location</arg_key:opensource>\n<arg_value:opensource>"
                            + "Rome</arg_value:opensource>\n</tool_call:opensource>\n<tool_call:opensource>get_time"
                            + "<tool_sep:opensource>\n</tool_call:opensource>\n</tool_calls:opensource>",
                    calls("Both.", WEATHER, TIME)),
            new Family(ToolCallFormat.SOLAR, List.of("upstage-Solar-Open-100B"), false,
                    "<|tool_calls|><|tool_call:begin|>a1b2c3d4e5<|tool_call:name|>get_weather<|tool_call:args|>{\"location\": "
                            + "\"Rome\"}<|tool_call:end|><|tool_call:begin|>f6g7h8i9j0<|tool_call:name|>get_time"
                            + "<|tool_call:args|>{}<|tool_call:end|><|calls|>",
                    calls("", WEATHER + " #a1b2c3d4e5", TIME + " #f6g7h8i9j0")),
            new Family(ToolCallFormat.NEMOTRON, List.of("NVIDIA-Nemotron-Nano-v2"), false,
                    "<TOOLCALL>[{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Rome\"}}, {\"name\": \"get_time\", "
                            + "\"arguments\": {}}]</TOOLCALL>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.APERTUS, List.of("Apertus-8B-Instruct"), false,
                    "<|tools_prefix|>[{\"get_weather\": {\"location\": \"Rome\"}}, {\"get_time\": {}}]<|tools_suffix|>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.MUSE, List.of("muse-glimmer"), false,
                    "<atem:function_calls>\n<atem:invoke name=\"get_weather\">\n<atem:parameter name=\"location\">Rome"
                            + "</atem:parameter>\n</atem:invoke>\n<atem:invoke name=\"get_time\">\n</atem:invoke>\n"
                            + "</atem:function_calls>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.MINICPM, List.of("openbmb-MiniCPM5-1B"), false,
                    "<function name=\"get_weather\"><param name=\"location\"><![CDATA[Rome]]></param></function>\n"
                            + "<function name=\"get_time\"></function>",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.GRANITE, List.of("ibm-granite-granite-3.3-2B-Instruct"), false,
                    "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Rome\"}}, {\"name\": \"get_time\", "
                            + "\"arguments\": {}}]",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.GIGACHAT, List.of("GigaChat3.1-10B-A1.8B", "GigaChat3-10B-A1.8B"), false,
                    "<|function_call|>{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Rome\"}}",
                    calls("", WEATHER)),
            new Family(ToolCallFormat.GIGACHAT, List.of("GigaChat3-10B-A1.8B"), false,
                    "function call<|role_sep|>\n{\"name\": \"get_time\", \"arguments\": {}}", calls("", TIME)),
            new Family(ToolCallFormat.FIREFUNCTION, List.of("fireworks-ai-llama-3-firefunction-v2"), false,
                    "functools[{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Rome\"}}, {\"name\": \"get_time\", "
                            + "\"arguments\": {}}]",
                    calls("", WEATHER, TIME)),
            // the prompt ends with ">>>": the splitter is given it first, as the worker does (ReplySplitter.continuePrompt)
            new Family(ToolCallFormat.FUNCTIONARY, List.of("meetkai-functionary-medium-v3.2"), false,
                    ">>>get_weather\n{\"location\": \"Rome\"}>>>get_time\n{}",
                    calls("", WEATHER, TIME)),
            new Family(ToolCallFormat.FUNCTIONARY, List.of("meetkai-functionary-medium-v3.2"), false,
                    ">>>all\nIt is sunny.", ReplySplitterTest.expect("", "It is sunny.")),
            new Family(ToolCallFormat.LFM2, List.of("LFM2-8B-A1B", "LFM2.5-8B-A1B", "LFM2.5-Instruct"), false,
                    "<|tool_call_start|>[get_weather(location='Rome'), get_time()]<|tool_call_end|>",
                    calls("", WEATHER, TIME)));

    @TestFactory
    Stream<DynamicTest> eachFamilysCallsAreReadWholeOrStreamed() {
        return FAMILIES.stream().map(f -> DynamicTest.dynamicTest(f.templates().getFirst() + " " + f.reply().hashCode(), () -> {
            for (String template : f.templates()) {
                assertThat(ToolCallFormat.detect(ToolCallFormatTest.template(template))).as(template).isEqualTo(f.format());
            }
            boolean thinks = f.format().thinks(ToolCallFormatTest.template(f.templates().getFirst()));
            ReplySplitterTest.Case c = new ReplySplitterTest.Case(f.templates().getFirst(), f.format(), true, thinks,
                    f.insideThinking(), f.reply(), f.expected());
            ReplySplitterTest.Split whole = ReplySplitterTest.run(c, List.of(f.reply()));
            assertThat(whole.reasoning()).as("reasoning").isEqualTo(f.expected().reasoning());
            assertThat(whole.content()).as("content").isEqualTo(f.expected().content());
            assertThat(whole.calls()).as("calls").isEqualTo(f.expected().calls());
            Random random = new Random(f.reply().hashCode());
            for (int round = 0; round < 20; round++) {
                List<String> pieces = ReplySplitterTest.randomPieces(f.reply(), random);
                assertThat(ReplySplitterTest.run(c, pieces)).as("split into %s", pieces).isEqualTo(whole);
            }
        }));
    }

    @Test
    void onlyTemplatesWithoutToolsAreLeftWithoutACallSyntax() throws Exception {
        List<String> none;
        try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(ToolCallFormatTest.templates())) {
            none = files.filter(f -> {
                try {
                    return ToolCallFormat.detect(java.nio.file.Files.readString(f)) == ToolCallFormat.NONE;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(f -> f.getFileName().toString().replace(".jinja", "")).sorted().toList();
        }
        assertThat(none).containsExactly("HuggingFaceTB-SmolLM3-3B", "google-gemma-2-2b-it", "llama-cpp-rwkv-world",
                "microsoft-Phi-3.5-mini-instruct");
    }

    @Test
    void aBlockWithoutWellFormedCallsIsContent() {
        ReplySplitterTest.Case c = new ReplySplitterTest.Case("broken", ToolCallFormat.MINIMAX_M2, true, false, false,
                "<minimax:tool_call>\n<oops>\n</minimax:tool_call> then text", null);
        ReplySplitterTest.Split split = ReplySplitterTest.run(c, List.of(c.reply()));
        assertThat(split.calls()).isEmpty();
        assertThat(split.content()).isEqualTo("<minimax:tool_call>\n<oops>\n</minimax:tool_call> then text");
    }

    @Test
    void withoutParallelCallsOnlyTheFirstIsKept() {
        ReplySplitter splitter = new ReplySplitter(ToolCallFormat.TOOL_CALLS_TAG, null, true, false, false);
        splitter.oneCallOnly();
        List<ReplyDelta> deltas = new java.util.ArrayList<>(splitter.accept("<tool_calls>\n{\"name\": \"get_weather\", "
                + "\"arguments\": {}}\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_calls>"));
        deltas.addAll(splitter.finish());
        assertThat(deltas).hasSize(1);
        assertThat(((ReplyDelta.ToolCalls) deltas.getFirst()).calls()).extracting(ReplyDelta.ToolCall::name)
                .containsExactly("get_weather");
    }
}
