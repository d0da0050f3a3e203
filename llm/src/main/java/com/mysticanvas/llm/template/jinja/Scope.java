package com.mysticanvas.llm.template.jinja;

import java.util.HashMap;
import java.util.Map;

/** Variables of one level: the template, a macro call or one loop iteration; lookups fall through to parents. */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        return new Undefined("'" + name + "' is undefined");
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
