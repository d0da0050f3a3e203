package com.mysticanvas.llm.template.jinja;

import java.util.AbstractList;
import java.util.List;

/** An immutable Python tuple: behaves as a list, prints with parentheses. */
final class Tuple extends AbstractList<Object> {
    private final List<Object> items;

    Tuple(List<Object> items) {
        this.items = items;
    }

    static Tuple of(Object... items) {
        return new Tuple(java.util.Arrays.asList(items));
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
