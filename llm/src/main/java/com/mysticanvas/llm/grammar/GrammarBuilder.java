package com.mysticanvas.llm.grammar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Builds one GBNF grammar out of literal text, JSON documents under schemas, free text and thoughts, for
 * replies whose shape is more than one JSON document: a tool call in a model's own markup, a thought before
 * structured output. Expressions are GBNF; rules are named and deduplicated by the schema converter.
 */
public final class GrammarBuilder {
    private final SchemaConverter converter;

    /** @param refRoot the schema against which {@code #...} references in the schemas resolve */
    public GrammarBuilder(JsonNode refRoot) {
        this.converter = SchemaConverter.forRefs(refRoot);
    }

    /** Exactly {@code text}. */
    public String literal(String text) {
        return JsonChars.gbnfLiteral(text);
    }

    /** A JSON document valid under {@code schema}; an unsupported schema is a bad-input problem naming {@code where}. */
    public String value(JsonNode schema, String hint, String where) {
        return converter.valueRule(schema, hint, where);
    }

    /** A named rule for {@code body} (an expression), for use in other expressions. */
    public String rule(String hint, String body) {
        return converter.rule(hint, body);
    }

    /**
     * Raw text of {@code min} to {@code max} characters (no upper bound when negative), none of them in
     * {@code excluded}: a value inside markup.
     */
    public String textWithout(String excluded, int min, int max) {
        StringBuilder cls = new StringBuilder("[^");
        excluded.chars().forEach(c -> cls.append(escapeClass((char) c)));
        cls.append(']');
        if (min <= 0 && max < 0) {
            return cls + "*";
        }
        return cls + "{" + Math.max(0, min) + "," + (max < 0 ? "" : String.valueOf(max)) + "}";
    }

    /**
     * A thought: {@code open} (omitted when the prompt already opened it), any text, then {@code close} and
     * whitespace. The text may not contain {@code close}'s first character followed by the rest of it; a run of
     * that first character is allowed.
     */
    public String thought(String open, String close, boolean opened) {
        char first = close.charAt(0);
        String firstClass = "[^" + escapeClass(first) + "]";
        StringBuilder partial = new StringBuilder(firstClass);
        String firstRun = literal(String.valueOf(first)) + "+";
        for (int k = 1; k < close.length(); k++) {
            // the first k characters of close, then something that is neither the next one nor a new start
            partial.append(" | ").append(firstRun);
            if (k > 1) {
                partial.append(' ').append(literal(close.substring(1, k)));
            }
            partial.append(" [^").append(escapeClass(close.charAt(k))).append(escapeClass(first)).append(']');
        }
        String body = rule("thought-text", "(" + partial + ")*");
        String thought = body + " " + literal(String.valueOf(first)) + "* " + literal(close) + " [ \\t\\n]*";
        return rule("thought", opened ? thought : literal(open) + " [ \\t\\n]* " + thought);
    }

    private static String escapeClass(char c) {
        return switch (c) {
            case '\\', ']', '[', '^', '-' -> "\\" + c;
            case '\n' -> "\\n";
            default -> String.valueOf(c);
        };
    }

    /** The grammar text; {@code rootBody} is the expression the whole reply must match. */
    public String build(String rootBody) {
        return converter.render(rootBody);
    }
}
