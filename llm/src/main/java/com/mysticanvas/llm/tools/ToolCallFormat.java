package com.mysticanvas.llm.tools;

/**
 * How a model writes tool calls and thoughts in its own syntax.
 */
public enum ToolCallFormat {
    /**
     * Hermes / Qwen: {@code <tool_call>{"name":..,"arguments":..}</tool_call>}; inside the tags also Qwen3-Coder's
     * {@code <function=NAME><parameter=KEY>VALUE</parameter></function>} and GLM's
     * {@code NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>}.
     */
    HERMES,
    /** Llama 3.x: a bare JSON object {@code {"name":..,"parameters":..}} (optionally after {@code <|python_tag|>}). */
    LLAMA3_JSON,
    /** Mistral: {@code [TOOL_CALLS][{"name":..,"arguments":..}]} (and the newer {@code [TOOL_CALLS]name[ARGS]{..}}). */
    MISTRAL,
    /** gpt-oss harmony: {@code <|channel|>commentary to=functions.NAME ... <|message|>{..}<|call|>}. */
    GPT_OSS,
    /** No tool-call syntax known for this template. */
    NONE;

    /** Picks the format from the chat template's source text (markers only these formats write). */
    public static ToolCallFormat detect(String chatTemplateSource) {
        if (chatTemplateSource == null) {
            return NONE;
        }
        String s = chatTemplateSource;
        if (s.contains("<|channel|>") && s.contains("<|message|>")) {
            return GPT_OSS;
        }
        if (s.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (s.contains("<tool_call>")) {
            return HERMES;
        }
        if (s.contains("<|python_tag|>")
                || (s.contains("<|start_header_id|>") && s.contains("\"parameters\"") && s.contains("\"name\""))) {
            return LLAMA3_JSON;
        }
        return NONE;
    }

    /** The markers around a thought in this format ({@code <think>}, or Mistral's {@code [THINK]}). */
    String thinkOpen() {
        return this == MISTRAL ? "[THINK]" : "<think>";
    }

    String thinkClose() {
        return this == MISTRAL ? "[/THINK]" : "</think>";
    }
}
