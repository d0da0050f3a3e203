package com.mysticanvas.llm.template.jinja;

import java.util.List;
import java.util.Map;

/** Arguments of a call: positional, then keyword. */
record Args(List<Object> positional, Map<String, Object> keywords) {
    static final Args NONE = new Args(List.of(), Map.of());

    int size() {
        return positional.size();
    }

    /** The argument at {@code index} or named {@code name}, else {@code fallback}. */
    Object get(int index, String name, Object fallback) {
        if (index >= 0 && index < positional.size()) {
            return positional.get(index);
        }
        if (name != null && keywords.containsKey(name)) {
            return keywords.get(name);
        }
        return fallback;
    }

    boolean has(int index, String name) {
        return (index >= 0 && index < positional.size()) || (name != null && keywords.containsKey(name));
    }
}
