package com.mysticanvas.llm.template.jinja;

/**
 * A missing variable, attribute or item. Like Jinja's default Undefined: it prints as nothing, is false, iterates
 * as empty, and fails with {@code hint} when used any further (attribute, arithmetic, call).
 */
public record Undefined(String hint) {
    TemplateRuntimeError fail() {
        return new TemplateRuntimeError(hint);
    }
}
