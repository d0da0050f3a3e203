package com.mysticanvas.llm.template.jinja;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** Turns request JSON into template variables, marking which strings are request data. */
public final class TemplateValues {
    private TemplateValues() {}

    /**
     * Every top-level field becomes a variable. Strings under {@code *_token} and
     * {@code additional_special_tokens} are the model's own special tokens (template text); all other strings
     * are request data.
     */
    public static Map<String, Object> fromVariables(ObjectNode variables) {
        Map<String, Object> vars = new LinkedHashMap<>();
        variables.properties().forEach(e -> {
            String name = e.getKey();
            boolean specialTokens = name.endsWith("_token") || name.equals("additional_special_tokens");
            vars.put(name, PyJson.fromJackson(e.getValue(), !specialTokens));
        });
        return vars;
    }
}
