package com.mysticanvas.llm.template;

import com.mysticanvas.llm.template.jinja.TemplateException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.llm.template.jinja.Str;
import com.mysticanvas.llm.template.jinja.Template;
import com.mysticanvas.llm.template.jinja.TemplateValues;

import java.time.Clock;
import java.util.List;

/**
 * A GGUF's Jinja chat template ({@code tokenizer.chat_template}), compiled once and rendered in Java by our own
 * interpreter ({@link com.mysticanvas.llm.template.jinja}), which follows Python Jinja2 as Hugging Face runs
 * chat templates. Immutable; one instance may render for many requests at once.
 */
public final class ChatTemplate {
    private final String source;
    private final Template template;
    /** Probed on first use; a race only probes twice. */
    private volatile TemplateCapabilities capabilities;

    private ChatTemplate(String source, Template template) {
        this.source = source;
        this.template = template;
    }

    /** Compiles a template; a syntax error is a {@link TemplateException} naming the line and problem. */
    public static ChatTemplate compile(String source) {
        return new ChatTemplate(source, Template.parse(source));
    }

    /** The template's source text (for {@code ToolCallFormat.detect} and capability checks). */
    public String source() {
        return source;
    }

    /** What this template does with system messages, tools and tool-call arguments (probed once). */
    public TemplateCapabilities capabilities() {
        TemplateCapabilities c = capabilities;
        if (c == null) {
            c = TemplateCapabilities.probe(this);
            capabilities = c;
        }
        return c;
    }

    /**
     * Renders with variables given as JSON: {@code messages} (OpenAI message objects), {@code tools}
     * (OpenAI tool objects or absent), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
     * and any extra kwargs (e.g. {@code enable_thinking}). {@code raise_exception(msg)} in the template
     * becomes a {@link TemplateException} carrying msg.
     */
    public String render(ObjectNode variables) {
        return renderPrompt(variables, Clock.systemDefaultZone()).text();
    }

    /**
     * Renders like {@link #render(ObjectNode)} and tells which characters came from the request. Strings of
     * variables named {@code *_token} (and {@code additional_special_tokens}) count as template text, all other
     * strings as request data. {@code clock} feeds {@code strftime_now}.
     */
    public RenderedPrompt renderPrompt(ObjectNode variables, Clock clock) {
        Str rendered = template.render(TemplateValues.fromVariables(variables), clock);
        List<RenderedPrompt.Segment> segments = rendered.parts().stream()
                .map(p -> new RenderedPrompt.Segment(p.text(), p.input()))
                .toList();
        return new RenderedPrompt(rendered.text(), segments);
    }
}
