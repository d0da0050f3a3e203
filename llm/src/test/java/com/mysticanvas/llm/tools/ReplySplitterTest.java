package com.mysticanvas.llm.tools;

import com.mysticanvas.core.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static com.mysticanvas.llm.tools.ToolCallFormat.GPT_OSS;
import static com.mysticanvas.llm.tools.ToolCallFormat.HERMES;
import static com.mysticanvas.llm.tools.ToolCallFormat.LLAMA3_JSON;
import static com.mysticanvas.llm.tools.ToolCallFormat.MISTRAL;
import static com.mysticanvas.llm.tools.ToolCallFormat.NONE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replies as the models write them (recorded shapes of Qwen 2.5/3, QwQ, Qwen3-Coder, GLM, Hermes, Llama 3.1,
 * Mistral v3 and v11+, Magistral, gpt-oss, DeepSeek-R1), split whole and in random pieces: the same reasoning,
 * content and calls come out.
 */
class ReplySplitterTest {
    /** What a reply split into: each kind joined, calls as "name args", and the order of kinds. */
    record Split(String reasoning, String content, List<String> calls, List<String> order) {}

    record Case(String name, ToolCallFormat format, boolean tools, boolean thinking, boolean insideThinking,
                String reply, Split expected) {}

    static Split expect(String reasoning, String content, String... calls) {
        return new Split(reasoning, content, List.of(calls), null);
    }

    static final List<Case> CASES = List.of(
            // ---- Hermes / Qwen
            new Case("qwen content only", HERMES, true, false, false,
                    "The capital of France is Paris.", expect("", "The capital of France is Paris.")),
            new Case("qwen single call", HERMES, true, false, false,
                    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>",
                    expect("", "", "get_weather {\"location\":\"Paris\",\"unit\":\"celsius\"}")),
            new Case("qwen content then two calls", HERMES, true, false, false,
                    "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\"}}\n</tool_call>\n"
                            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"Europe/Paris\"}}\n</tool_call>",
                    expect("", "Let me check both.\n", "get_weather {\"location\":\"Paris\"}",
                            "get_time {\"tz\":\"Europe/Paris\"}")),
            new Case("qwen3 thinks then calls", HERMES, true, true, false,
                    "<think>\nThe user wants the weather. I should call get_weather.\n</think>\n\n<tool_call>\n"
                            + "{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Tokyo\"}}\n</tool_call>",
                    expect("The user wants the weather. I should call get_weather.", "",
                            "get_weather {\"location\":\"Tokyo\"}")),
            new Case("qwen3 thinks then answers", HERMES, true, true, false,
                    "<think>\nSimple math: 2+2=4.\n\nNo tool needed.\n</think>\n\nThe answer is **4**.",
                    expect("Simple math: 2+2=4.\n\nNo tool needed.", "The answer is **4**.")),
            new Case("qwq prompt opened the thought", HERMES, false, true, true,
                    "Okay, the user greets me. I'll greet back.\n</think>\n\nHello! How can I help?",
                    expect("Okay, the user greets me. I'll greet back.", "Hello! How can I help?")),
            new Case("qwen3-coder xml call", HERMES, true, false, false,
                    "I'll look that up.\n<tool_call>\n<function=search_files>\n<parameter=pattern>\n*.java\n</parameter>\n"
                            + "<parameter=max_results>\n20\n</parameter>\n</function>\n</tool_call>",
                    expect("", "I'll look that up.\n", "search_files {\"pattern\":\"*.java\",\"max_results\":20}")),
            new Case("glm arg_key call", HERMES, true, true, false,
                    "<think>Need weather.</think>\n<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Beijing</arg_value>\n</tool_call>",
                    expect("Need weather.", "", "get_weather {\"location\":\"Beijing\"}")),
            new Case("hermes arguments given as a JSON string", HERMES, true, false, false,
                    "<tool_call>\n{\"name\": \"add\", \"arguments\": \"{\\\"a\\\": 1, \\\"b\\\": 2}\"}\n</tool_call>",
                    expect("", "", "add {\"a\":1,\"b\":2}")),
            new Case("unfinished tool-call JSON becomes content", HERMES, true, false, false,
                    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Par",
                    expect("", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Par")),
            new Case("tool_call tag without a call is content", HERMES, true, false, false,
                    "Wrap calls in <tool_call>{\"foo\": 1}</tool_call> tags. Done.",
                    expect("", "Wrap calls in <tool_call>{\"foo\": 1}</tool_call> tags. Done.")),
            new Case("closing tag missing at the end of a complete call", HERMES, true, false, false,
                    "<tool_call>\n{\"name\": \"ping\", \"arguments\": {}}\n",
                    expect("", "", "ping {}")),
            new Case("tools not offered: markup stays content", HERMES, false, false, false,
                    "<tool_call>\n{\"name\": \"x\", \"arguments\": {}}\n</tool_call>",
                    expect("", "<tool_call>\n{\"name\": \"x\", \"arguments\": {}}\n</tool_call>")),
            new Case("thinking off: think block stays content", HERMES, false, false, false,
                    "<think>hm</think>Answer", expect("", "<think>hm</think>Answer")),
            new Case("angle brackets in content are not markers", HERMES, true, true, false,
                    "<b>Bold</b> and <tool> and a<b", expect("", "<b>Bold</b> and <tool> and a<b")),
            new Case("unicode content around a call", HERMES, true, false, false,
                    "Grüße 👋 — je regarde.<tool_call>{\"name\": \"météo\", \"arguments\": {\"ville\": \"Zürich\"}}</tool_call>",
                    expect("", "Grüße 👋 — je regarde.", "météo {\"ville\":\"Zürich\"}")),

            // ---- Llama 3.x
            new Case("llama json call", LLAMA3_JSON, true, false, false,
                    "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"San Francisco, CA\"}}",
                    expect("", "", "get_weather {\"location\":\"San Francisco, CA\"}")),
            new Case("llama json call after blank lines", LLAMA3_JSON, true, false, false,
                    "\n\n{\"type\": \"function\", \"name\": \"get_weather\", \"parameters\": {\"location\": \"Paris\"}}",
                    expect("", "", "get_weather {\"location\":\"Paris\"}")),
            new Case("llama json that is not a call", LLAMA3_JSON, true, false, false,
                    "{\"answer\": 42} is the JSON you asked for.",
                    expect("", "{\"answer\": 42} is the JSON you asked for.")),
            new Case("llama two calls with semicolon", LLAMA3_JSON, true, false, false,
                    "{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}",
                    expect("", "", "a {}", "b {\"x\":1}")),
            new Case("llama builtin via python_tag", LLAMA3_JSON, true, false, false,
                    "<|python_tag|>brave_search.call(query=\"current weather in Menlo Park, California\")",
                    expect("", "", "brave_search {\"query\":\"current weather in Menlo Park, California\"}")),
            new Case("llama code interpreter", LLAMA3_JSON, true, false, false,
                    "<|python_tag|>import math\nprint(math.sqrt(16))",
                    expect("", "", "python {\"code\":\"import math\\nprint(math.sqrt(16))\"}")),
            new Case("llama content then python_tag json", LLAMA3_JSON, true, false, false,
                    "Let me search for that.<|python_tag|>{\"name\": \"search\", \"parameters\": {\"q\": \"llamas\", \"n\": 3}}",
                    expect("", "Let me search for that.", "search {\"q\":\"llamas\",\"n\":3}")),
            new Case("llama plain answer", LLAMA3_JSON, true, false, false,
                    "Hello! How can I help you today?", expect("", "Hello! How can I help you today?")),

            // ---- Mistral
            new Case("mistral v3 json array", MISTRAL, true, false, false,
                    "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\"}, \"id\": \"abcDEF123\"}]",
                    expect("", "", "get_weather {\"location\":\"Paris\"} #abcDEF123")),
            new Case("mistral v11 name[ARGS]", MISTRAL, true, false, false,
                    "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\"}",
                    expect("", "", "get_weather {\"location\":\"Paris\"}")),
            new Case("mistral v11 two calls", MISTRAL, true, false, false,
                    "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\"}[TOOL_CALLS]get_time[ARGS]{}",
                    expect("", "", "get_weather {\"location\":\"Paris\"}", "get_time {}")),
            new Case("mistral small 3.2 call id", MISTRAL, true, false, false,
                    "[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{\"location\": \"Rome\"}",
                    expect("", "", "get_weather {\"location\":\"Rome\"} #a1b2c3d4e")),
            new Case("mistral content then call", MISTRAL, true, false, false,
                    "Sure, checking now.[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Oslo\"}",
                    expect("", "Sure, checking now.", "get_weather {\"location\":\"Oslo\"}")),
            new Case("magistral thinks then calls", MISTRAL, true, true, false,
                    "[THINK]The user wants the weather; I'll call the tool.[/THINK][TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\"}",
                    expect("The user wants the weather; I'll call the tool.", "", "get_weather {\"location\":\"Paris\"}")),
            new Case("markers inside a thought are thought", MISTRAL, true, true, false,
                    "[THINK]Let me think about [TOOL_CALLS]special_function[ARGS]{\"arg1\":1} and more[/THINK]Done.",
                    expect("Let me think about [TOOL_CALLS]special_function[ARGS]{\"arg1\":1} and more", "Done.")),
            new Case("mistral marker without a call", MISTRAL, true, false, false,
                    "Use [TOOL_CALLS] wisely.", expect("", "Use [TOOL_CALLS] wisely.")),

            // ---- gpt-oss
            new Case("gpt-oss reasoning then call", GPT_OSS, true, true, false,
                    "<|channel|>analysis<|message|>User asks weather. Need to call get_weather.<|end|><|start|>assistant"
                            + "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Paris\"}<|call|>",
                    expect("User asks weather. Need to call get_weather.", "", "get_weather {\"location\":\"Paris\"}")),
            new Case("gpt-oss reasoning then final", GPT_OSS, true, true, false,
                    "<|channel|>analysis<|message|>Simple.<|end|><|start|>assistant<|channel|>final<|message|>Hello! 2+2 = 4.<|return|>",
                    expect("Simple.", "Hello! 2+2 = 4.")),
            new Case("gpt-oss recipient in the role header", GPT_OSS, true, true, false,
                    "<|channel|>analysis<|message|>Think<|end|><|start|>assistant to=functions.get_time<|channel|>commentary json<|message|>{}<|call|>",
                    expect("Think", "", "get_time {}")),
            new Case("gpt-oss preamble then call cut by EOG", GPT_OSS, true, true, false,
                    "<|channel|>commentary<|message|>Checking the weather now.<|end|><|start|>assistant"
                            + "<|channel|>commentary to=functions.get_weather<|message|>{\"location\":\"Rome\"}",
                    expect("", "Checking the weather now.", "get_weather {\"location\":\"Rome\"}")),
            new Case("gpt-oss without a header", GPT_OSS, true, true, false,
                    "Hello there", expect("", "Hello there")),
            new Case("gpt-oss built-in recipient kept as content", GPT_OSS, true, true, false,
                    "<|channel|>analysis<|message|>Run code<|end|><|start|>assistant<|channel|>commentary to=python <|constrain|>code<|message|>print(1)<|call|>",
                    expect("Run code", "print(1)")),
            new Case("gpt-oss unfinished analysis", GPT_OSS, true, true, false,
                    "<|channel|>analysis<|message|>I'm\nthinking", expect("I'm\nthinking", "")),
            new Case("gpt-oss to=assistant noise", GPT_OSS, false, true, false,
                    "<|channel|>commentary to=assistant<|channel|>analysis<|message|>I'm\nthinking<|end|><|start|>assistant<|channel|>final<|message|>Hello",
                    expect("I'm\nthinking", "Hello")),
            new Case("gpt-oss thinking off", GPT_OSS, false, false, false,
                    "<|channel|>analysis<|message|>Hmm<|end|><|start|>assistant<|channel|>final<|message|>Hi",
                    expect("", "HmmHi")),

            // ---- no tool syntax
            new Case("deepseek-r1 distill continues the opened thought", NONE, false, true, true,
                    "Okay, so the user wants 2+2.\n</think>\n\nThe answer is 4.",
                    expect("Okay, so the user wants 2+2.", "The answer is 4.")),
            new Case("plain model", NONE, false, false, false, "  Just text.\n", expect("", "  Just text.\n")));

    static Split run(Case c, List<String> pieces) {
        ReplySplitter splitter = new ReplySplitter(c.format(), c.tools(), c.thinking(), c.insideThinking());
        List<ReplyDelta> all = new ArrayList<>();
        for (String piece : pieces) {
            all.addAll(splitter.accept(piece));
        }
        all.addAll(splitter.finish());
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<String> calls = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (ReplyDelta d : all) {
            String kind = switch (d) {
                case ReplyDelta.Content x -> {
                    content.append(x.text());
                    yield "content";
                }
                case ReplyDelta.Reasoning x -> {
                    reasoning.append(x.text());
                    yield "reasoning";
                }
                case ReplyDelta.ToolCalls x -> {
                    for (ReplyDelta.ToolCall call : x.calls()) {
                        assertThat(Json.parse(call.arguments()).isObject()).isTrue();
                        calls.add(call.name() + " " + Json.write(Json.parse(call.arguments()))
                                + (call.id().startsWith("call_") ? "" : " #" + call.id()));
                    }
                    yield "calls";
                }
            };
            if (order.isEmpty() || !order.getLast().equals(kind)) {
                order.add(kind);
            }
        }
        return new Split(reasoning.toString(), content.toString(), calls, order);
    }

    static List<String> randomPieces(String text, Random random) {
        List<String> pieces = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int n = 1 + random.nextInt(Math.min(12, text.length() - i));
            if (Character.isHighSurrogate(text.charAt(i + n - 1)) && i + n < text.length()) {
                n++; // pieces are whole characters, as detokenized text is
            }
            pieces.add(text.substring(i, i + n));
            i += n;
        }
        return pieces;
    }

    @TestFactory
    Stream<DynamicTest> recordedRepliesSplitTheSameWholeOrStreamed() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Split whole = run(c, List.of(c.reply()));
            assertThat(whole.reasoning()).as("reasoning").isEqualTo(c.expected().reasoning());
            assertThat(whole.content()).as("content").isEqualTo(c.expected().content());
            assertThat(whole.calls()).as("calls").isEqualTo(c.expected().calls());
            Random random = new Random(c.name().hashCode());
            for (int round = 0; round < 40; round++) {
                List<String> pieces = round == 0 ? c.reply().codePoints()
                        .mapToObj(cp -> new String(Character.toChars(cp))).toList() : randomPieces(c.reply(), random);
                assertThat(run(c, pieces)).as("split into %s", pieces).isEqualTo(whole);
            }
        }));
    }

    @Test
    void contentStreamsWithoutWaitingAndOnlyPossibleMarkersAreHeldBack() {
        ReplySplitter s = new ReplySplitter(HERMES, true, true);
        assertThat(s.accept("Hello wor")).containsExactly(new ReplyDelta.Content("Hello wor"));
        assertThat(s.accept("ld <tool")).containsExactly(new ReplyDelta.Content("ld "));
        assertThat(s.accept("s are fun")).containsExactly(new ReplyDelta.Content("<tools are fun"));
        assertThat(s.finish()).isEmpty();

        ReplySplitter thinker = new ReplySplitter(HERMES, false, true);
        assertThat(thinker.accept("<thi")).isEmpty();
        assertThat(thinker.accept("nk>\nstep one, ")).containsExactly(new ReplyDelta.Reasoning("step one,"));
        assertThat(thinker.accept("step two\n</th")).containsExactly(new ReplyDelta.Reasoning(" step two"));
        assertThat(thinker.accept("ink>\n\nDone")).containsExactly(new ReplyDelta.Content("Done"));
    }

    @Test
    void eachCallIsEmittedAsSoonAsItIsComplete() {
        ReplySplitter s = new ReplySplitter(HERMES, true, false);
        assertThat(s.accept("<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call><tool_call>{\"name\""))
                .singleElement().isInstanceOf(ReplyDelta.ToolCalls.class);
        List<ReplyDelta> second = s.accept(": \"b\", \"arguments\": {}}</tool_call>");
        assertThat(second).singleElement().isInstanceOfSatisfying(ReplyDelta.ToolCalls.class,
                t -> assertThat(t.calls()).extracting(ReplyDelta.ToolCall::name).containsExactly("b"));
        assertThat(s.finish()).isEmpty();
    }

    @Test
    void callIdsAreOpenAiStyleAndUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            ReplySplitter s = new ReplySplitter(MISTRAL, true, false);
            ReplyDelta.ToolCalls calls = (ReplyDelta.ToolCalls) s.accept("[TOOL_CALLS]f[ARGS]{}").getFirst();
            String id = calls.calls().getFirst().id();
            assertThat(id).matches("call_[A-Za-z0-9]{24}");
            ids.add(id);
        }
        assertThat(ids).hasSize(200);
    }

    @Test
    void randomMarkerSoupNeverFailsAndSplitsAlikeWholeOrStreamed() {
        String[] soup = {"<think>", "</think>", "[THINK]", "[/THINK]", "<tool_call>", "</tool_call>", "[TOOL_CALLS]",
            "[ARGS]", "[CALL_ID]", "<|python_tag|>", "<|channel|>", "analysis", "final", "commentary",
            " to=functions.f", "<|message|>", "<|end|>", "<|start|>", "assistant", "<|call|>", "<|return|>", "{", "}",
            "[", "]", "\"name\": \"f\"", ", ", "\"arguments\": {}", "\"", "text ", "\n", " ", "<", "|", ";", "é😀"};
        Random random = new Random(11);
        for (int i = 0; i < 5000; i++) {
            StringBuilder reply = new StringBuilder();
            for (int k = random.nextInt(30); k > 0; k--) {
                reply.append(soup[random.nextInt(soup.length)]);
            }
            ToolCallFormat format = ToolCallFormat.values()[random.nextInt(ToolCallFormat.values().length)];
            Case c = new Case("soup", format, random.nextBoolean(), random.nextBoolean(), random.nextBoolean(),
                    reply.toString(), null);
            Split whole = run(c, List.of(c.reply()));
            assertThat(run(c, randomPieces(c.reply(), random))).as("%s %s", format, c.reply()).isEqualTo(whole);
        }
    }

    @Test
    void finishIsFinal() {
        ReplySplitter s = new ReplySplitter(HERMES, true, false);
        assertThat(s.accept("x <tool_ca")).containsExactly(new ReplyDelta.Content("x "));
        assertThat(s.finish()).containsExactly(new ReplyDelta.Content("<tool_ca"));
        assertThat(s.finish()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.accept("y"))
                .isInstanceOf(IllegalStateException.class);
    }
}
