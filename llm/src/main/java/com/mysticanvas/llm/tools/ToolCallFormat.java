package com.mysticanvas.llm.tools;

import java.util.List;
import java.util.function.Predicate;

/**
 * How a model writes tool calls and thoughts in its own syntax: one constant per family of chat templates,
 * detected from markers only that family's template writes. Examples show two calls as each template renders
 * them (the syntax each parses is in {@link ToolSyntax#of}; the grammar that forces one in {@link CallLayout#of}).
 */
public enum ToolCallFormat {
    /** gpt-oss harmony: {@code <|channel|>commentary to=functions.NAME ... <|message|>{..}<|call|>}. */
    GPT_OSS(s -> s.contains("<|channel|>") && s.contains("<|message|>")),
    /** Mistral: {@code [TOOL_CALLS][{"name":..,"arguments":..}]} (and the newer {@code [TOOL_CALLS]name[ARGS]{..}}). */
    MISTRAL(s -> s.contains("[TOOL_CALLS]"), "[THINK]", "[/THINK]"),
    /** DeepSeek R1 / V3 / V3.1: {@code <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>[function<｜tool▁sep｜>]NAME...{..}...}. */
    DEEPSEEK(s -> s.contains("tool▁calls▁begin")),
    /** DeepSeek V3.2 / V4 DSML: {@code <｜DSML｜invoke name="N"><｜DSML｜parameter name="K" string="true">V</｜DSML｜parameter>}. */
    DEEPSEEK_DSML(s -> s.contains("｜DSML｜")),
    /** Kimi K2: {@code <|tool_call_begin|>functions.NAME:0<|tool_call_argument_begin|>{..}<|tool_call_end|>}. */
    KIMI_K2(s -> s.contains("<|tool_calls_section_begin|>")),
    /** Kimi K3: {@code <|open|>call tool="N" index="1"<|sep|><|open|>argument key="K" type="string"<|sep|>V<|close|>argument<|sep|>}. */
    KIMI_K3(s -> s.contains("open_tag('call'"), "<|open|>think<|sep|>", "<|close|>think<|sep|>"),
    /** Gemma 4: {@code <|tool_call>call:NAME{key:<|"|>text<|"|>,n:1}<tool_call|>}. */
    GEMMA4(s -> s.contains("<|tool_call>"), "<|channel>thought", "<channel|>"),
    /** Command R7B / A: {@code <|START_ACTION|>[{"tool_call_id":"0","tool_name":N,"parameters":{..}}]<|END_ACTION|>}; R+: {@code Action: ```json [..] ```}. */
    COMMAND_R(s -> s.contains("<|START_ACTION|>") || s.contains("Action:\\n```json"), "<|START_THINKING|>", "<|END_THINKING|>"),
    /** MiniMax M2: {@code <minimax:tool_call><invoke name="N"><parameter name="K">V</parameter></invoke></minimax:tool_call>}. */
    MINIMAX_M2(s -> s.contains("<minimax:tool_call>")),
    /** MiniMax M1 / Apriel: {@code <tool_calls>{"name":..,"arguments":..} ...</tool_calls>} (objects one per line, or an array). */
    TOOL_CALLS_TAG(s -> s.contains("<tool_calls>")),
    /** ByteDance Seed-OSS: {@code <seed:tool_call><function=N><parameter=K>V</parameter></function></seed:tool_call>}. */
    SEED_OSS(s -> s.contains("<seed:tool_call>"), "<seed:think>", "</seed:think>"),
    /** Tencent Hunyuan: {@code <tool_call:opensource>N<tool_sep:opensource><arg_key:opensource>K</arg_key:opensource><arg_value:opensource>V</...>}. */
    HUNYUAN(s -> s.contains(":opensource") && s.contains("tool_sep"), "<think:opensource>", "</think:opensource>"),
    /** Upstage Solar Open: {@code <|tool_call:begin|>ID<|tool_call:name|>N<|tool_call:args|>{..}<|tool_call:end|>}. */
    SOLAR(s -> s.contains("<|tool_call:begin|>")),
    /** NVIDIA Nemotron Nano 2: {@code <TOOLCALL>[{"name":..,"arguments":..}]</TOOLCALL>}. */
    NEMOTRON(s -> s.contains("<TOOLCALL>")),
    /** Swiss AI Apertus: {@code <|tools_prefix|>[{"NAME": {..}}]<|tools_suffix|>}. */
    APERTUS(s -> s.contains("<|tools_prefix|>")),
    /** Muse: {@code <atem:function_calls><atem:invoke name="N"><atem:parameter name="K">V</atem:parameter></atem:invoke></atem:function_calls>}. */
    MUSE(s -> s.contains("<atem:function_calls>")),
    /** MiniCPM 5: {@code <function name="N"><param name="K">V</param></function>} (values may be CDATA). */
    MINICPM(s -> s.contains("<function name=\"")),
    /** IBM Granite 3.x: {@code <|tool_call|>[{"name":..,"arguments":..}]}. */
    GRANITE(s -> s.contains("<|tool_call|>")),
    /** GigaChat 3: {@code <|function_call|>{"name":..,"arguments":..}} (3.0 writes it as a "function call" turn). */
    GIGACHAT(s -> s.contains("<|function_call|>") || (s.contains("'function call'") && s.contains("<|role_sep|>"))),
    /** Fireworks FireFunction v2: {@code functools[{"name":..,"arguments":..}]}. */
    FIREFUNCTION(s -> s.contains("functools[")),
    /** Functionary v3.2: {@code >>>NAME\n{..}}; {@code >>>all\n} then text is the answer. */
    FUNCTIONARY(s -> s.contains(">>>all")),
    /** Liquid LFM2: {@code <|tool_call_start|>[get_weather(location='Rome'), get_time()]<|tool_call_end|>}. */
    LFM2(s -> s.contains("<|tool_call_start|>") || s.contains("List of tools:")),
    /**
     * Hermes / Qwen: {@code <tool_call>{"name":..,"arguments":..}</tool_call>}; inside the tags also Qwen3-Coder's
     * {@code <function=NAME><parameter=KEY>VALUE</parameter></function>} and GLM's
     * {@code NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>}.
     */
    HERMES(s -> s.contains("<tool_call>")),
    /** Llama 3.x: a bare JSON object {@code {"name":..,"parameters":..}} (optionally after {@code <|python_tag|>}). */
    LLAMA3_JSON(s -> s.contains("<|python_tag|>")
            || (s.contains("<|start_header_id|>") && s.contains("\"parameters\"") && s.contains("\"name\""))),
    /** No tool-call syntax known for this template. */
    NONE(s -> false);

    private final Predicate<String> writtenBy;
    private final String thinkOpen;
    private final String thinkClose;

    ToolCallFormat(Predicate<String> writtenBy) {
        this(writtenBy, "<think>", "</think>");
    }

    ToolCallFormat(Predicate<String> writtenBy, String thinkOpen, String thinkClose) {
        this.writtenBy = writtenBy;
        this.thinkOpen = thinkOpen;
        this.thinkClose = thinkClose;
    }

    /** Picks the format from the chat template's source text: the first whose markers it writes. */
    public static ToolCallFormat detect(String chatTemplateSource) {
        if (chatTemplateSource == null) {
            return NONE;
        }
        for (ToolCallFormat f : values()) {
            if (f.writtenBy.test(chatTemplateSource)) {
                return f;
            }
        }
        return NONE;
    }

    /** Whether models of this template write thoughts (the template writes its thought markers). */
    public boolean thinks(String chatTemplateSource) {
        return this == GPT_OSS || chatTemplateSource.contains(thinkOpen) || chatTemplateSource.contains("<think")
                || chatTemplateSource.contains("[THINK]") || chatTemplateSource.contains("open_tag('think')");
    }

    /** The marker that opens a thought in this format ({@code <think>}, Mistral's {@code [THINK]} ...). */
    public String thinkOpen() {
        return thinkOpen;
    }

    public String thinkClose() {
        return thinkClose;
    }

    /** Markup this format writes around the answer (not a thought, not a call): dropped from the content. */
    List<String> answerMarkers() {
        return switch (this) {
            case KIMI_K3 -> List.of("<|open|>response<|sep|>", "<|close|>response<|sep|>");
            case COMMAND_R -> List.of("<|START_RESPONSE|>", "<|END_RESPONSE|>");
            default -> List.of();
        };
    }
}
