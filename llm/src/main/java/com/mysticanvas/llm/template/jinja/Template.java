package com.mysticanvas.llm.template.jinja;


import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja template with the semantics Hugging Face chat templates are written for: Python Jinja2 in a
 * sandbox with {@code trim_blocks} and {@code lstrip_blocks}, the {@code loopcontrols} extension, the
 * {@code generation} block, {@code tojson} as {@code json.dumps(ensure_ascii=False)}, and the globals
 * {@code raise_exception} and {@code strftime_now}. Immutable and safe to render from several threads.
 */
public final class Template {
    private final List<Stmt> body;

    private Template(List<Stmt> body) {
        this.body = body;
    }

    /** Parses the source; a syntax error is a {@code TemplateException} naming the line. */
    public static Template parse(String source) {
        try {
            return new Template(Parser.parse(source));
        } catch (TemplateException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // a case the parser does not foresee: the template is refused, the caller keeps serving
            throw new TemplateException("template syntax error: " + e, e);
        }
    }

    /**
     * Renders with the given variables (already template values: see {@link PyJson#fromJackson}); the result
     * remembers which characters came from request data.
     */
    public Str render(Map<String, Object> variables, Clock clock) {
        Scope root = new Scope(Builtins.globals());
        variables.forEach(root::set);
        return new Renderer(clock).render(body, root);
    }
}
