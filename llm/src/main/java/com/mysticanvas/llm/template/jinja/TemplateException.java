package com.mysticanvas.llm.template.jinja;

/** A chat template that does not compile or refuses the messages (raise_exception). */
public class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
