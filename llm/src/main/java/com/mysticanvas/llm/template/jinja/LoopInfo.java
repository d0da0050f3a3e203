package com.mysticanvas.llm.template.jinja;

import java.util.List;

/** The {@code loop} variable inside a {@code for} body. */
final class LoopInfo {
    private final List<Object> items;
    private int index;
    private Object lastChanged = this;

    LoopInfo(List<Object> items) {
        this.items = items;
    }

    void moveTo(int index) {
        this.index = index;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index + 1;
            case "index0" -> (long) index;
            case "revindex" -> (long) (n - index);
            case "revindex0" -> (long) (n - index - 1);
            case "first" -> index == 0;
            case "last" -> index == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index > 0 ? items.get(index - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index < n - 1 ? items.get(index + 1) : new Undefined("there is no next item");
            case "cycle" -> (JinjaFunction) (r, args) -> {
                if (args.size() == 0) {
                    throw new TemplateRuntimeError("no items for cycling given");
                }
                return args.positional().get(index % args.size());
            };
            case "changed" -> (JinjaFunction) (r, args) -> {
                Object now = List.copyOf(args.positional());
                boolean changed = lastChanged == this || !Values.eq(lastChanged, now);
                lastChanged = now;
                return changed;
            };
            default -> new Undefined("'LoopContext' object has no attribute '" + name + "'");
        };
    }
}
