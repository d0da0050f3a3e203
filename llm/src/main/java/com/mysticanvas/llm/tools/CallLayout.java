package com.mysticanvas.llm.tools;

import com.mysticanvas.core.Json;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How a family writes calls, for the grammar that forces one ({@link ToolCallGrammar}): the block opens with
 * {@code open}, each call is {@code head(name)}, its arguments and {@code tail}, calls are joined by
 * {@code separator}, and {@code close} ends the block. Arguments are one JSON object, or, with {@link Params},
 * one element per parameter. Each layout writes what the family's {@link ToolSyntax} reads.
 */
record CallLayout(String open, Function<String, String> head, Params params, String tail, String separator, String close) {
    /**
     * Arguments as parameter elements: {@code open(key, isString)}, the value (raw text for strings, JSON else),
     * {@code close(isString)}; {@code separator} between parameters; string values may not contain
     * {@code excluded} characters.
     */
    record Params(BiFunction<String, Boolean, String> open, Function<Boolean, String> close, String separator,
                  String excluded) {
        static Params tags(String open, String middle, String close) {
            return new Params((key, string) -> open + key + middle, string -> close, "", "<");
        }
    }

    /** JSON arguments. */
    static CallLayout json(String open, Function<String, String> head, String tail, String separator, String close) {
        return new CallLayout(open, head, null, tail, separator, close);
    }

    /** {@code {"name": NAME, "<argsKey>": }: the head of a call written as one JSON object. */
    private static Function<String, String> nameThen(String argsKey) {
        return name -> "{\"name\": " + quoted(name) + ", \"" + argsKey + "\": ";
    }

    static String quoted(String name) {
        return Json.write(TextNode.valueOf(name));
    }

    /** The layout for {@code format}, or null when forcing a call is not supported for it. */
    static CallLayout of(ToolCallFormat format, String template) {
        Function<String, String> nameArgs = nameThen("arguments");
        return switch (format) {
            case HERMES -> json("<tool_call>\n", nameArgs, "}", "\n</tool_call>\n<tool_call>\n", "\n</tool_call>");
            case LLAMA3_JSON -> json("", nameThen("parameters"), "}", null, "");
            case MISTRAL -> template.contains("[ARGS]")
                    ? json("[TOOL_CALLS]", name -> name + "[ARGS]", "", "[TOOL_CALLS]", "")
                    : json("[TOOL_CALLS][", nameArgs, "}", ", ", "]");
            case DEEPSEEK -> template.contains("function<｜tool▁sep｜>")
                    ? json("<｜tool▁calls▁begin｜>", name -> "<｜tool▁call▁begin｜>function<｜tool▁sep｜>" + name + "\n```json\n",
                            "\n```<｜tool▁call▁end｜>", "\n", "<｜tool▁calls▁end｜>")
                    : json("<｜tool▁calls▁begin｜>", name -> "<｜tool▁call▁begin｜>" + name + "<｜tool▁sep｜>",
                            "<｜tool▁call▁end｜>", "", "<｜tool▁calls▁end｜>");
            case DEEPSEEK_DSML -> {
                String block = template.contains("｜DSML｜tool_calls") ? "tool_calls" : "function_calls";
                yield new CallLayout("<｜DSML｜" + block + ">\n", name -> "<｜DSML｜invoke name=\"" + name + "\">\n",
                        new Params((key, string) -> "<｜DSML｜parameter name=\"" + key + "\" string=\"" + string + "\">",
                                string -> "</｜DSML｜parameter>\n", "", "<"),
                        "</｜DSML｜invoke>\n", "", "</｜DSML｜" + block + ">");
            }
            case KIMI_K2 -> json("<|tool_calls_section_begin|>",
                    name -> "<|tool_call_begin|>functions." + name + ":0<|tool_call_argument_begin|>", "<|tool_call_end|>", "",
                    "<|tool_calls_section_end|>");
            case KIMI_K3 -> new CallLayout("<|open|>tools<|sep|>", name -> "<|open|>call tool=\"" + name + "\" index=\"1\"<|sep|>",
                    new Params((key, string) -> "<|open|>argument key=\"" + key + "\" type=\"" + (string ? "string" : "json")
                            + "\"<|sep|>", string -> "<|close|>argument<|sep|>", "", "<"),
                    "<|close|>call<|sep|>", "", "<|close|>tools<|sep|>");
            case GEMMA4 -> new CallLayout("", name -> "<|tool_call>call:" + name + "{",
                    new Params((key, string) -> key + ":" + (string ? "<|\"|>" : ""), string -> string ? "<|\"|>" : "", ",", "<"),
                    "}<tool_call|>", "", "");
            case COMMAND_R -> template.contains("<|START_ACTION|>")
                    ? json("<|START_ACTION|>[\n    ", CallLayout::cohereHead, "}", ",\n    ", "\n]<|END_ACTION|>")
                    : json("Action:\n```json\n[\n    ", CallLayout::cohereHead, "}", ",\n    ", "\n]\n```");
            case MINIMAX_M2 -> new CallLayout("<minimax:tool_call>\n", name -> "<invoke name=\"" + name + "\">\n",
                    Params.tags("<parameter name=\"", "\">", "</parameter>\n"), "</invoke>\n", "", "</minimax:tool_call>");
            case TOOL_CALLS_TAG -> json("<tool_calls>[", nameArgs, "}", ", ", "]</tool_calls>");
            case SEED_OSS -> new CallLayout("<seed:tool_call>\n", name -> "<function=" + name + ">\n",
                    Params.tags("<parameter=", ">", "</parameter>\n"), "</function>",
                    "\n</seed:tool_call>\n<seed:tool_call>\n", "\n</seed:tool_call>");
            case HUNYUAN -> new CallLayout("<tool_calls:opensource>\n",
                    name -> "<tool_call:opensource>" + name + "<tool_sep:opensource>\n",
                    Params.tags("<arg_key:opensource>", "</arg_key:opensource>\n<arg_value:opensource>",
                            "</arg_value:opensource>\n"),
                    "</tool_call:opensource>\n", "", "</tool_calls:opensource>");
            case SOLAR -> json("<|tool_calls|>", name -> "<|tool_call:begin|>call000001<|tool_call:name|>" + name
                    + "<|tool_call:args|>", "<|tool_call:end|>", null, "<|calls|>");
            case NEMOTRON -> json("<TOOLCALL>[", nameArgs, "}", ", ", "]</TOOLCALL>");
            case APERTUS -> json("<|tools_prefix|>[", name -> "{" + quoted(name) + ": ", "}", ", ", "]<|tools_suffix|>");
            case MINICPM -> new CallLayout("", name -> "<function name=\"" + name + "\">",
                    Params.tags("<param name=\"", "\">", "</param>"), "</function>", "\n", "");
            case GRANITE -> json("<|tool_call|>[", nameArgs, "}", ", ", "]");
            case GIGACHAT -> json("<|function_call|>", nameArgs, "}", null, "");
            case FIREFUNCTION -> json("functools[", nameArgs, "}", ", ", "]");
            case FUNCTIONARY -> json("", name -> name + "\n", "", ">>>", ""); // the prompt ends with ">>>"
            case LFM2 -> new CallLayout("<|tool_call_start|>[", name -> name + "(",
                    new Params((key, string) -> key + "=" + (string ? "'" : ""), string -> string ? "'" : "", ", ", "<'\\"),
                    ")", ", ", "]<|tool_call_end|>");
            case GPT_OSS, MUSE, NONE -> null;
        };
    }

    private static String cohereHead(String name) {
        return "{\"tool_call_id\": \"0\", \"tool_name\": " + quoted(name) + ", \"parameters\": ";
    }
}
