package com.mysticanvas.llm.template.jinja;


import java.util.ArrayList;
import java.util.List;

/** Rendered text as marked parts, with a size cap so a hostile template cannot exhaust memory. */
final class Output {
    static final int MAX_CHARS = 16 * 1024 * 1024;

    private final List<Str.Part> parts = new ArrayList<>();
    private final StringBuilder run = new StringBuilder();
    private boolean runIsInput;
    private int length;

    void append(Str s) {
        if (s.isEmpty()) {
            return;
        }
        length += s.text().length();
        if (length > MAX_CHARS) {
            throw new TemplateException("rendered template exceeds " + MAX_CHARS + " characters");
        }
        for (Str.Part p : s.parts()) {
            if (!run.isEmpty() && p.input() != runIsInput) {
                flush();
            }
            runIsInput = p.input();
            run.append(p.text());
        }
    }

    private void flush() {
        parts.add(new Str.Part(run.toString(), runIsInput));
        run.setLength(0);
    }

    Str toStr() {
        if (!run.isEmpty()) {
            flush();
        }
        return Str.fromParts(parts);
    }
}
