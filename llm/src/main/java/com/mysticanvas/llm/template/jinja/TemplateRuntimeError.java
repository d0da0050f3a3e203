package com.mysticanvas.llm.template.jinja;

/** An error while rendering; the renderer adds the template line before it reaches callers. */
final class TemplateRuntimeError extends RuntimeException {
    TemplateRuntimeError(String message) {
        super(message, null, false, false);
    }
}
