package com.mysticanvas.llm.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;

/**
 * JSON Schema to GBNF, for llama.cpp's grammar sampler ({@code response_format}).
 *
 * <p>Supported: {@code type} (also lists, and OpenAPI {@code nullable}), {@code properties}/{@code required}
 * (optional properties may be left out; properties come in the schema's order), {@code additionalProperties}
 * (absent means none, as in llama.cpp: the model writes only declared properties), {@code items},
 * {@code prefixItems}, {@code minItems}/{@code maxItems}, {@code enum}, {@code const}, {@code anyOf},
 * {@code oneOf} (as anyOf), {@code allOf} of simple schemas, local {@code $ref}s ({@code #/$defs/...},
 * {@code #/definitions/...}, recursion included), {@code minLength}/{@code maxLength}, {@code pattern}
 * (see {@link PatternGrammar}), {@code format} date, time, date-time and uuid (other formats are annotations),
 * and {@code minimum}/{@code maximum}/{@code exclusiveMinimum}/{@code exclusiveMaximum} on integers, and with
 * whole-number bounds on numbers. Keywords a grammar cannot enforce ({@code not}, {@code if}, {@code
 * uniqueItems}, {@code multipleOf}, {@code patternProperties} ...) are a 400 naming them, never silently
 * dropped: a document the grammar accepts validates against the schema. The grammars are written for llama.cpp's
 * parser, which refuses (a 400) what it cannot parse; the tests check them against its rules and what they match.
 */
public final class JsonSchemaGrammar {
    private JsonSchemaGrammar() {}

    /** GBNF accepting any JSON object ({@code response_format: json_object}); root rule {@code root}. */
    public static String anyJsonObject() {
        return SchemaConverter.convert(Json.object().put("type", "object"));
    }

    /**
     * GBNF accepting exactly the JSON documents valid under {@code schema}; root rule {@code root}.
     * An invalid or unsupported schema throws a bad-input {@code Problem} saying which part.
     */
    public static String fromSchema(JsonNode schema) {
        if (schema == null || schema.isNull() || schema.isMissingNode()) {
            throw Problem.badInput("JSON schema is missing");
        }
        return SchemaConverter.convert(schema);
    }

    /** GBNF accepting {@code before}, then a document valid under {@code schema}, then {@code after}. */
    public static String fromSchema(JsonNode schema, String before, String after) {
        return SchemaConverter.convert(schema, before, after);
    }
}
