package com.mysticanvas.llm.tools;

import java.util.List;
import java.util.regex.Pattern;

/** How one family of models writes tool calls in running text, for {@link MarkupSplitter}. */
sealed interface ToolSyntax permits BlockSyntax, FunctionarySyntax, HermesSyntax, LlamaSyntax, MistralSyntax, ToolSyntax.Plain {
    /** Markers that begin tool-call markup anywhere in the reply. */
    List<String> openers();

    /** Whether a reply (or what follows a call) that begins with {@code {} may be a call: Llama 3.x. */
    default boolean bareJson() {
        return false;
    }

    /**
     * Reads the markup at the start of {@code text} (which starts with an opener, or with {@code {} when
     * {@link #bareJson()}).
     *
     * @param atEnd no more text will come: decide now
     */
    Scan scan(String text, boolean atEnd);

    sealed interface Scan {}

    /** Not enough text yet to decide. */
    record Incomplete() implements Scan {}

    /** Calls parsed from the first {@code consumed} characters. */
    record Calls(List<ReplyDelta.ToolCall> calls, int consumed) implements Scan {}

    /** The first {@code consumed} characters (at least one) are ordinary content after all. */
    record NotACall(int consumed) implements Scan {}

    Scan INCOMPLETE = new Incomplete();

    /** No tool-call syntax: everything is content. */
    record Plain() implements ToolSyntax {
        @Override
        public List<String> openers() {
            return List.of();
        }

        @Override
        public Scan scan(String text, boolean atEnd) {
            return new NotACall(Math.max(1, text.length()));
        }
    }

    static ToolSyntax of(ToolCallFormat format, ToolSchemas schemas) {
        return switch (format) {
            case HERMES -> new HermesSyntax(schemas);
            case LLAMA3_JSON -> new LlamaSyntax();
            case MISTRAL -> new MistralSyntax();
            case FUNCTIONARY -> new FunctionarySyntax();
            case DEEPSEEK -> new BlockSyntax("<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>", CallReaders.namedJson(
                    Pattern.compile("<｜tool▁call▁begin｜>\\s*(?:function<｜tool▁sep｜>)?(?<name>[^<\\n｜]+?)\\s*(?:<｜tool▁sep｜>)?"
                            + "\\s*(?<args>(?:```json)?\\s*\\{.*?}\\s*(?:```)?)\\s*<｜tool▁call▁end｜>", Pattern.DOTALL)));
            case DEEPSEEK_DSML -> new BlockSyntax(List.of("<｜DSML｜function_calls>", "<｜DSML｜tool_calls>"),
                    List.of("</｜DSML｜function_calls>", "</｜DSML｜tool_calls>"), CallReaders.xml(xmlCall("<｜DSML｜invoke name=\"", "</｜DSML｜invoke>"),
                    xmlParam("<｜DSML｜parameter name=\"", "</｜DSML｜parameter>"), schemas));
            case KIMI_K2 -> new BlockSyntax("<|tool_calls_section_begin|>", "<|tool_calls_section_end|>",
                    CallReaders.namedJson(Pattern.compile("<\\|tool_call_begin\\|>\\s*(?:functions\\.)?(?<name>[^<:]+?)(?::\\d+)?"
                            + "\\s*<\\|tool_call_argument_begin\\|>(?<args>.*?)<\\|tool_call_end\\|>", Pattern.DOTALL)));
            case KIMI_K3 -> new BlockSyntax("<|open|>tools<|sep|>", "<|close|>tools<|sep|>", CallReaders.xml(
                    Pattern.compile("<\\|open\\|>call tool=\"(?<name>[^\"]+)\"[^<]*<\\|sep\\|>(?<body>.*?)<\\|close\\|>call<\\|sep\\|>",
                            Pattern.DOTALL),
                    Pattern.compile("<\\|open\\|>argument key=\"(?<key>[^\"]+)\"(?<attrs>[^<]*)<\\|sep\\|>(?<value>.*?)"
                            + "<\\|close\\|>argument<\\|sep\\|>", Pattern.DOTALL), schemas));
            case GEMMA4 -> new BlockSyntax("<|tool_call>", "<tool_call|>", CallReaders.gemma());
            case COMMAND_R -> new BlockSyntax(List.of("<|START_ACTION|>", "Action:\n```json", "Action: ```json"),
                    List.of("<|END_ACTION|>", "```"), CallReaders.json(false));
            case MINIMAX_M2 -> new BlockSyntax("<minimax:tool_call>", "</minimax:tool_call>", CallReaders.xml(
                    xmlCall("<invoke name=\"", "</invoke>"), xmlParam("<parameter name=\"", "</parameter>"), schemas));
            case TOOL_CALLS_TAG -> new BlockSyntax("<tool_calls>", "</tool_calls>", CallReaders.json(false));
            case SEED_OSS -> new BlockSyntax("<seed:tool_call>", "</seed:tool_call>", CallReaders.xml(
                    HermesSyntax.FUNCTION_EQUALS, HermesSyntax.PARAMETER_EQUALS, schemas));
            case HUNYUAN -> new BlockSyntax("<tool_calls:opensource>", "</tool_calls:opensource>", CallReaders.xml(
                    Pattern.compile("<tool_call:opensource>(?<name>[^<]+)<tool_sep:opensource>(?<body>.*?)</tool_call:opensource>",
                            Pattern.DOTALL),
                    Pattern.compile("<arg_key:opensource>(?<key>.*?)</arg_key:opensource>\\s*<arg_value:opensource>(?<value>.*?)"
                            + "</arg_value:opensource>", Pattern.DOTALL), schemas));
            case SOLAR -> new BlockSyntax("<|tool_calls|>", "<|calls|>", CallReaders.namedJson(Pattern.compile(
                    "<\\|tool_call:begin\\|>(?<id>[^<]*)<\\|tool_call:name\\|>(?<name>[^<]+)<\\|tool_call:args\\|>(?<args>.*?)"
                            + "<\\|tool_call:end\\|>", Pattern.DOTALL)));
            case NEMOTRON -> new BlockSyntax("<TOOLCALL>", "</TOOLCALL>", CallReaders.json(false));
            case APERTUS -> new BlockSyntax("<|tools_prefix|>", "<|tools_suffix|>", CallReaders.json(true));
            case MUSE -> new BlockSyntax("<atem:function_calls>", "</atem:function_calls>", CallReaders.xml(
                    xmlCall("<atem:invoke name=\"", "</atem:invoke>"), xmlParam("<atem:parameter name=\"", "</atem:parameter>"), schemas));
            case MINICPM -> new BlockSyntax("<function name=\"", "</function>", CallReaders.xml(
                    xmlCall("<function name=\"", "</function>"), xmlParam("<param name=\"", "</param>"), schemas));
            case GRANITE -> BlockSyntax.json(List.of("<|tool_call|>"), CallReaders.json(false));
            case GIGACHAT -> BlockSyntax.json(List.of("<|function_call|>", "function call<|role_sep|>"),
                    CallReaders.json(false));
            case FIREFUNCTION -> BlockSyntax.json(List.of("functools"), CallReaders.json(false));
            case LFM2 -> new BlockSyntax("<|tool_call_start|>", "<|tool_call_end|>", CallReaders.python());
            case GPT_OSS, NONE -> new Plain();
        };
    }

    /** {@code OPEN name">BODY CLOSE}: an XML-like call element whose name is its first attribute. */
    private static Pattern xmlCall(String open, String close) {
        return Pattern.compile(Pattern.quote(open) + "(?<name>[^\"]+)\"[^>]*>(?<body>.*?)" + Pattern.quote(close), Pattern.DOTALL);
    }

    /** {@code OPEN key" attrs>VALUE CLOSE}: a parameter element. */
    private static Pattern xmlParam(String open, String close) {
        return Pattern.compile(Pattern.quote(open) + "(?<key>[^\"]+)\"(?<attrs>[^>]*)>(?<value>.*?)" + Pattern.quote(close),
                Pattern.DOTALL);
    }

    static int skipSpace(String s, int from) {
        int i = from;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * A call of {@code name} whose arguments, a JSON object, follow at {@code from} (after spaces): not finished
     * yet, not a call (no object there, or not an object), or the call (id {@code id}, or a new one when blank).
     */
    static Scan argumentsAt(String text, int from, boolean atEnd, String name, String id) {
        int json = skipSpace(text, from);
        if (json == text.length()) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        if (text.charAt(json) != '{') {
            return new NotACall(json);
        }
        int end = JsonText.end(text, json);
        if (end == JsonText.INCOMPLETE) {
            return atEnd ? new NotACall(text.length()) : INCOMPLETE;
        }
        String arguments = JsonText.arguments(JsonText.parse(text.substring(json, end)));
        String callId = id == null || id.isEmpty() ? ToolCallIds.next() : id;
        return arguments == null ? new NotACall(end) : new Calls(List.of(new ReplyDelta.ToolCall(callId, name, arguments)), end);
    }

    /** A call from a parsed {@code {"name": .., "arguments"|"parameters": ..}} object; null when it is not one. */
    static ReplyDelta.ToolCall fromJson(com.fasterxml.jackson.databind.JsonNode object, String id) {
        if (object == null || !object.isObject() || !object.path("name").isTextual()) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode args = object.has("arguments") ? object.get("arguments")
                : object.get("parameters");
        String arguments = JsonText.arguments(args);
        if (arguments == null) {
            return null;
        }
        String callId = id != null ? id : object.path("id").isTextual() && !object.get("id").asText().isBlank()
                ? object.get("id").asText() : ToolCallIds.next();
        return new ReplyDelta.ToolCall(callId, object.get("name").asText(), arguments);
    }
}
