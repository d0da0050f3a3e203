package com.mysticanvas.llm.template;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A GGUF's Jinja chat template ({@code tokenizer.chat_template}), compiled once and rendered in Java.
 * CONTRACT (llm-text implements, llm-engine calls).
 */
public final class ChatTemplate {
    private ChatTemplate() {}

    /** Compiles a template; a syntax error is a {@link TemplateException} naming the line and problem. */
    public static ChatTemplate compile(String source) {
        throw new UnsupportedOperationException("Jinja chat templates not implemented yet (issue 5)");
    }

    /**
     * Renders with variables given as JSON: {@code messages} (OpenAI message objects), {@code tools}
     * (OpenAI tool objects or absent), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
     * and any extra kwargs (e.g. {@code enable_thinking}). {@code raise_exception(msg)} in the template
     * becomes a {@link TemplateException} carrying msg.
     */
    public String render(ObjectNode variables) {
        throw new UnsupportedOperationException("Jinja chat templates not implemented yet (issue 5)");
    }
}
