package com.mysticanvas.llm.tools;

/**
 * How a model writes tool calls and thoughts in its own syntax.
 * CONTRACT (llm-text implements detection, llm-engine calls).
 */
public enum ToolCallFormat {
    /** Hermes / Qwen: {@code <tool_call>{"name":..,"arguments":..}</tool_call>}. */
    HERMES,
    /** Llama 3.x: a bare JSON object {@code {"name":..,"parameters":..}} (optionally after {@code <|python_tag|>}). */
    LLAMA3_JSON,
    /** Mistral: {@code [TOOL_CALLS][{"name":..,"arguments":..}]} (and the newer {@code [TOOL_CALLS]name[ARGS]{..}}). */
    MISTRAL,
    /** gpt-oss harmony: {@code <|channel|>commentary to=functions.NAME ... <|message|>{..}<|call|>}. */
    GPT_OSS,
    /** No tool-call syntax known for this template. */
    NONE;

    /** Picks the format from the chat template's source text. */
    public static ToolCallFormat detect(String chatTemplateSource) {
        throw new UnsupportedOperationException("tool-call format detection not implemented yet (issue 5)");
    }
}
