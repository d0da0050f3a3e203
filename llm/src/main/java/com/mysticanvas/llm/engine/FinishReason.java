package com.mysticanvas.llm.engine;

/** Why a generation ended, as OpenAI names it ({@code tool_calls} is decided later, from the text). */
public enum FinishReason {
    /** End-of-generation token or a stop string. */
    STOP,
    /** max_tokens reached, or the slot's context is full. */
    LENGTH;

    public String openAiName() {
        return name().toLowerCase();
    }
}
