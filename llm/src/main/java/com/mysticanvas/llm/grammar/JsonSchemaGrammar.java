package com.mysticanvas.llm.grammar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * JSON Schema to GBNF, for llama.cpp's grammar sampler ({@code response_format}).
 * CONTRACT (llm-text implements, llm-engine calls).
 */
public final class JsonSchemaGrammar {
    private JsonSchemaGrammar() {}

    /** GBNF accepting any JSON object ({@code response_format: json_object}); root rule {@code root}. */
    public static String anyJsonObject() {
        throw new UnsupportedOperationException("JSON schema grammars not implemented yet (issue 5)");
    }

    /**
     * GBNF accepting exactly the JSON documents valid under {@code schema}; root rule {@code root}.
     * An invalid or unsupported schema throws {@code ApiException} 400 saying which part.
     */
    public static String fromSchema(JsonNode schema) {
        throw new UnsupportedOperationException("JSON schema grammars not implemented yet (issue 5)");
    }
}
