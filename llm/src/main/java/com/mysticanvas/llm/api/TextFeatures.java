package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.grammar.GrammarBuilder;
import com.mysticanvas.llm.grammar.JsonSchemaGrammar;
import com.mysticanvas.llm.tools.Thought;
import com.mysticanvas.llm.template.ChatTemplate;
import com.mysticanvas.llm.template.ChatTemplateInput;
import com.mysticanvas.llm.template.jinja.TemplateException;
import com.mysticanvas.llm.tools.ReplySplitter;
import com.mysticanvas.llm.tools.ToolCallFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the chat API meets the text features: Jinja chat templates, JSON-schema grammars, tool-call and
 * reasoning splitting.
 */
final class TextFeatures {
    private static final Logger LOG = LoggerFactory.getLogger(TextFeatures.class);

    /**
     * Whether a chat template our Jinja renderer cannot compile is rendered by llama.cpp's built-in matcher
     * (true) or refused with a 400 (false). All 70 templates of llama.cpp's collection compile; the fallback
     * keeps an unknown future template usable.
     */
    static final boolean BUILTIN_TEMPLATE_FALLBACK = true;

    private static volatile Map.Entry<String, ChatTemplate> compiled;

    private TextFeatures() {}

    /**
     * The chat request rendered with the GGUF's own template in Java (variables built the way llama.cpp adapts
     * OpenAI requests to templates), or null: render it with llama.cpp's built-in template instead. A template
     * that refuses the messages ({@code raise_exception}) is a 400.
     */
    static String renderChat(String source, JsonNode request, String bosToken, String eosToken) {
        if (source == null || source.isBlank()) {
            return null; // no template in the GGUF: llama.cpp's default (ChatML)
        }
        ChatTemplate template;
        try {
            template = compile(source);
        } catch (TemplateException e) {
            if (BUILTIN_TEMPLATE_FALLBACK) {
                LOG.warn("chat template does not compile ({}); using llama.cpp's built-in template", e.getMessage());
                return null;
            }
            throw Problem.badInput("the model's chat template cannot be used: " + e.getMessage());
        }
        try {
            return template.render(ChatTemplateInput.fromRequest(template, request, bosToken, eosToken));
        } catch (TemplateException e) {
            throw Problem.badInput("the chat template refused these messages: " + e.getMessage());
        }
    }

    private static ChatTemplate compile(String source) {
        Map.Entry<String, ChatTemplate> last = compiled;
        if (last != null && last.getKey().equals(source)) {
            return last.getValue();
        }
        ChatTemplate t = ChatTemplate.compile(source);
        compiled = Map.entry(source, t);
        return t;
    }

    /** GBNF for {@code response_format}, or null for plain text. */
    static String grammar(JsonNode responseFormat) {
        return grammar(responseFormat, null);
    }

    /** GBNF for {@code response_format} after the reasoning model's {@code thought} (null: none); null for plain text. */
    static String grammar(JsonNode responseFormat, Thought thought) {
        if (responseFormat == null || responseFormat.isNull()) {
            return null;
        }
        String type = Fields.text(responseFormat, "type", "text");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> thought == null ? JsonSchemaGrammar.anyJsonObject()
                    : afterThought(Json.object().put("type", "object"), thought);
            case "json_schema" -> {
                JsonNode spec = responseFormat.get("json_schema");
                JsonNode schema = spec == null ? null : spec.get("schema");
                if (schema == null || !schema.isObject()) {
                    throw Problem.badInput("response_format json_schema needs 'json_schema': {'schema': {...}}");
                }
                yield thought == null ? JsonSchemaGrammar.fromSchema(schema) : afterThought(schema, thought);
            }
            default -> throw Problem.badInput("response_format type must be text, json_object or "
                    + "json_schema, got '" + type + "'");
        };
    }

    /** A thought, then a JSON document under {@code schema}: structured output from a reasoning model. */
    private static String afterThought(JsonNode schema, Thought thought) {
        GrammarBuilder g = new GrammarBuilder(schema);
        return g.build(thought.expression(g) + " " + g.value(schema, "answer", "schema"));
    }

    /**
     * How to split this model's replies; {@code toolsOffered} false leaves tool-call markup as text, and
     * {@code parallelCalls} false keeps only the first call.
     * {@code renderedPrompt} (or null) tells whether the template already opened a thought for the reply.
     */
    static ReplyShaper shaper(String template, JsonNode tools, boolean toolsOffered, boolean parallelCalls,
                              String renderedPrompt) {
        String source = template == null ? "" : template;
        ToolCallFormat format = ToolCallFormat.detect(source);
        if (toolsOffered && format == ToolCallFormat.NONE) {
            throw Problem.badInput("this model's chat template has no tool-call syntax; 'tools' cannot be used");
        }
        boolean thinking = format.thinks(source);
        if (format == ToolCallFormat.NONE && !thinking) {
            return ReplyShaper.plain();
        }
        boolean opened = renderedPrompt != null && ReplySplitter.promptOpensThinking(format, renderedPrompt);
        ReplySplitter splitter = new ReplySplitter(format, tools, toolsOffered, thinking, opened);
        if (toolsOffered && renderedPrompt != null) {
            splitter.continuePrompt(renderedPrompt); // Functionary's prompt ends with the marker its reply continues
        }
        if (!parallelCalls) {
            splitter.oneCallOnly();
        }
        return ReplyShaper.of(splitter);
    }
}
