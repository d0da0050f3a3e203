package com.mysticanvas.llm.template.jinja;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Jinja's built-in filters as chat templates use them, plus Hugging Face's {@code tojson} and {@code from_json}. */
final class Filters {
    @FunctionalInterface
    private interface Filter {
        Object apply(Renderer r, Object value, Args args);
    }

    private static final Map<String, Filter> FILTERS = new HashMap<>();

    private Filters() {}

    static Object apply(Renderer r, String name, Object value, Args args) {
        Filter f = FILTERS.get(name);
        if (f == null) {
            throw new TemplateRuntimeError("no filter named '" + name + "'");
        }
        return f.apply(r, value, args);
    }

    static boolean exists(String name) {
        return FILTERS.containsKey(name);
    }

    private static void def(Filter f, String... names) {
        for (String n : names) {
            FILTERS.put(n, f);
        }
    }

    static {
        def(Filters::tojson, "tojson");
        def((r, v, a) -> v instanceof Str s ? PyJson.parse(s) : failType("from_json", v), "from_json");
        def((r, v, a) -> (long) Values.length(v), "length", "count");
        def((r, v, a) -> {
            Object chars = a.get(0, "chars", null);
            Str s = Values.str(v);
            return s.derive(PyStrings.strip(s.text(), chars == null ? null : Methods.text(chars, "trim"), true, true));
        }, "trim");
        def((r, v, a) -> {
            boolean useFalsy = Values.truthy(a.get(1, "boolean", false));
            boolean missing = v instanceof Undefined || (useFalsy && !Values.truthy(v));
            return missing ? a.get(0, "default_value", Str.EMPTY) : v;
        }, "default", "d");
        def(Filters::join, "join");
        def((r, v, a) -> derive(v, Values.str(v).text().toUpperCase()), "upper");
        def((r, v, a) -> derive(v, Values.str(v).text().toLowerCase()), "lower");
        def((r, v, a) -> derive(v, PyStrings.capitalize(Values.str(v).text())), "capitalize");
        def((r, v, a) -> derive(v, PyStrings.title(Values.str(v).text())), "title");
        def((r, v, a) -> {
            Str s = Values.str(v);
            return r.invoke(Methods.str(s, "replace"), a);
        }, "replace");
        def((r, v, a) -> v, "safe");
        def((r, v, a) -> Values.str(v), "string");
        def((r, v, a) -> {
            Str s = Values.str(v);
            String t = s.text().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    .replace("\"", "&#34;").replace("'", "&#39;");
            return s.derive(t);
        }, "escape", "e", "forceescape");
        def((r, v, a) -> items(v), "items");
        def(Filters::dictsort, "dictsort");
        def((r, v, a) -> v instanceof Undefined ? new ArrayList<>() : Values.iterate(v), "list");
        def((r, v, a) -> {
            List<Object> l = Values.iterate(v);
            return l.isEmpty() ? new Undefined("No first item, sequence was empty.") : l.getFirst();
        }, "first");
        def((r, v, a) -> {
            List<Object> l = Values.iterate(v);
            return l.isEmpty() ? new Undefined("No last item, sequence was empty.") : l.getLast();
        }, "last");
        def((r, v, a) -> {
            if (v instanceof Str s) {
                return s.derive(new StringBuilder(s.text()).reverse().toString());
            }
            List<Object> l = Values.iterate(v);
            Collections.reverse(l);
            return l;
        }, "reverse");
        def((r, v, a) -> minMax(v, a, true), "min");
        def((r, v, a) -> minMax(v, a, false), "max");
        def(Filters::sum, "sum");
        def(Filters::sort, "sort");
        def(Filters::unique, "unique");
        def(Filters::map, "map");
        def((r, v, a) -> select(r, v, a, false, true), "select");
        def((r, v, a) -> select(r, v, a, false, false), "reject");
        def((r, v, a) -> select(r, v, a, true, true), "selectattr");
        def((r, v, a) -> select(r, v, a, true, false), "rejectattr");
        def((r, v, a) -> {
            String name = Methods.text(a.get(0, "name", null), "attr");
            // attr() is Python getattr only: a dict's keys are not attributes.
            return v instanceof Map<?, ?> m ? Objects.requireNonNullElse((Object) Methods.dict(m, name),
                    new Undefined("'dict object' has no attribute '" + name + "'")) : Builtins.getAttr(v, name);
        }, "attr");
        def(Filters::toInt, "int");
        def(Filters::toFloat, "float");
        def((r, v, a) -> v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Values.toLong(v)), "abs");
        def(Filters::round, "round");
        def(Filters::indent, "indent");
        def((r, v, a) -> (long) PyStrings.split(Values.str(v).text(), null, -1).size(), "wordcount");
        def((r, v, a) -> {
            Str s = Values.str(v);
            return r.invoke(Methods.str(s, "center"), new Args(List.of(a.get(0, "width", 80L)), Map.of()));
        }, "center");
        def((r, v, a) -> {
            List<Object> rest = new ArrayList<>(a.positional());
            return PyFormat.percent(Values.str(v), rest.size() == 1 && rest.getFirst() instanceof Map<?, ?> m
                    ? m : new Tuple(rest));
        }, "format");
        def(Filters::batch, "batch");
    }

    private static Object failType(String filter, Object v) {
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw new TemplateRuntimeError(filter + " expects a string, got " + Values.typeName(v));
    }

    private static Str derive(Object source, String text) {
        return source instanceof Str s ? s.derive(text) : Str.of(text);
    }

    /** Hugging Face's {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static Object tojson(Renderer r, Object v, Args a) {
        Object indent = a.get(1, "indent", null);
        String indentText = switch (indent) {
            case null -> null;
            case Str s -> s.text();
            default -> " ".repeat((int) Math.max(0, Values.toLong(indent)));
        };
        String itemSep = null;
        String keySep = null;
        if (a.get(2, "separators", null) instanceof List<?> seps && seps.size() == 2) {
            itemSep = Values.str(seps.get(0)).text();
            keySep = Values.str(seps.get(1)).text();
        }
        if (v instanceof Undefined u) {
            throw new TemplateRuntimeError("Object of type Undefined is not JSON serializable");
        }
        String json = PyJson.dumps(v, PyJson.Style.of(indentText, itemSep, keySep,
                Values.truthy(a.get(3, "sort_keys", false)), Values.truthy(a.get(0, "ensure_ascii", false))));
        return PyJson.hasInput(v) ? Str.input(json) : Str.of(json);
    }

    private static Object join(Renderer r, Object v, Args a) {
        Str separator = Values.str(a.get(0, "d", Str.EMPTY));
        Object attribute = a.get(1, "attribute", null);
        Str result = Str.EMPTY;
        boolean first = true;
        for (Object item : Values.iterate(v)) {
            Object x = attribute == null ? item : attributePath(item, attribute);
            result = first ? Values.str(x) : result.concat(separator).concat(Values.str(x));
            first = false;
        }
        return result;
    }

    private static List<Object> items(Object v) {
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new TemplateRuntimeError("Can only get item pairs from a mapping.");
        }
        List<Object> out = new ArrayList<>();
        m.forEach((k, val) -> out.add(Tuple.of(k, val)));
        return out;
    }

    private static Object dictsort(Renderer r, Object v, Args a) {
        boolean caseSensitive = Values.truthy(a.get(0, "case_sensitive", false));
        String by = Values.str(a.get(1, "by", Str.of("key"))).text();
        boolean reverse = Values.truthy(a.get(2, "reverse", false));
        int pos = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new TemplateRuntimeError("You can only sort by either \"key\" or \"value\"");
        };
        List<Object> pairs = items(v);
        Comparator<Object> order = (x, y) -> Values.compare(sortKey(((Tuple) x).get(pos), caseSensitive),
                sortKey(((Tuple) y).get(pos), caseSensitive));
        pairs.sort(reverse ? order.reversed() : order);
        return pairs;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof Str s ? Str.of(s.text().toLowerCase()) : v;
    }

    /** Jinja's attribute paths: {@code "a.b.0"} looks up items one dot at a time. */
    private static Object attributePath(Object item, Object attribute) {
        if (Values.isInteger(attribute)) {
            return Builtins.getItem(item, attribute);
        }
        Object current = item;
        for (String part : Values.str(attribute).text().split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
                    ? (Object) Long.parseLong(part) : Str.of(part);
            current = Builtins.getItem(current, key);
        }
        return current;
    }

    private static Object minMax(Object v, Args a, boolean min) {
        boolean caseSensitive = Values.truthy(a.get(0, "case_sensitive", false));
        Object attribute = a.get(1, "attribute", null);
        Object best = null;
        Object bestKey = null;
        boolean any = false;
        for (Object item : Values.iterate(v)) {
            Object key = sortKey(attribute == null ? item : attributePath(item, attribute), caseSensitive);
            if (!any || (min ? Values.compare(key, bestKey) < 0 : Values.compare(key, bestKey) > 0)) {
                best = item;
                bestKey = key;
                any = true;
            }
        }
        return any ? best : new Undefined("No aggregated item, sequence was empty.");
    }

    private static Object sum(Renderer r, Object v, Args a) {
        Object attribute = a.get(0, "attribute", null);
        Object total = a.get(1, "start", 0L);
        for (Object item : Values.iterate(v)) {
            total = Operators.apply(Expr.Arith.ADD, total, attribute == null ? item : attributePath(item, attribute));
        }
        return total;
    }

    private static Object sort(Renderer r, Object v, Args a) {
        boolean reverse = Values.truthy(a.get(0, "reverse", false));
        boolean caseSensitive = Values.truthy(a.get(1, "case_sensitive", false));
        Object attribute = a.get(2, "attribute", null);
        List<Object> items = Values.iterate(v);
        Comparator<Object> order = (x, y) -> Values.compare(
                sortKey(attribute == null ? x : attributePath(x, attribute), caseSensitive),
                sortKey(attribute == null ? y : attributePath(y, attribute), caseSensitive));
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static Object unique(Renderer r, Object v, Args a) {
        boolean caseSensitive = Values.truthy(a.get(0, "case_sensitive", false));
        Object attribute = a.get(1, "attribute", null);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : Values.iterate(v)) {
            Object key = sortKey(attribute == null ? item : attributePath(item, attribute), caseSensitive);
            if (seen.stream().noneMatch(s -> Values.eq(s, key))) {
                seen.add(key);
                out.add(item);
            }
        }
        return out;
    }

    /** {@code map('filter', args)} or {@code map(attribute='x', default=...)}. */
    private static Object map(Renderer r, Object v, Args a) {
        List<Object> out = new ArrayList<>();
        if (!Values.truthy(v)) {
            return out;
        }
        if (a.keywords().containsKey("attribute")) {
            Object attribute = a.keywords().get("attribute");
            Object fallback = a.keywords().get("default");
            for (Object item : Values.iterate(v)) {
                Object x = attributePath(item, attribute);
                out.add(x instanceof Undefined && a.keywords().containsKey("default") ? fallback : x);
            }
            return out;
        }
        if (a.size() == 0) {
            throw new TemplateRuntimeError("map requires a filter name or attribute=");
        }
        String filter = Methods.text(a.positional().getFirst(), "map");
        Args rest = new Args(a.positional().subList(1, a.size()), a.keywords());
        for (Object item : Values.iterate(v)) {
            out.add(apply(r, filter, item, rest));
        }
        return out;
    }

    /**
     * select/reject (test on the item) and selectattr/rejectattr (test on an attribute of the item). Like Jinja,
     * a false sequence (none, empty) gives nothing rather than an error.
     */
    private static Object select(Renderer r, Object v, Args a, boolean byAttribute, boolean keep) {
        List<Object> positional = a.positional();
        int at = 0;
        Object attribute = byAttribute ? positional.get(at++) : null;
        String test = positional.size() > at ? Methods.text(positional.get(at++), "select") : null;
        Args testArgs = new Args(positional.subList(Math.min(at, positional.size()), positional.size()), Map.of());
        List<Object> out = new ArrayList<>();
        if (!Values.truthy(v)) {
            return out;
        }
        for (Object item : Values.iterate(v)) {
            Object x = byAttribute ? attributePath(item, attribute) : item;
            boolean passed = test == null ? Values.truthy(x) : Values.truthy(Tests.apply(r, test, x, testArgs));
            if (passed == keep) {
                out.add(item);
            }
        }
        return out;
    }

    private static Object toInt(Renderer r, Object v, Args a) {
        Object fallback = a.get(0, "default", 0L);
        int base = (int) Values.toLong(a.get(1, "base", 10L));
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case Double d -> (long) (double) d;
            case Str s -> {
                String t = s.text().strip().replace("_", "");
                try {
                    yield Long.parseLong(t, base);
                } catch (NumberFormatException e) {
                    try {
                        yield (long) Double.parseDouble(t);
                    } catch (NumberFormatException e2) {
                        yield fallback;
                    }
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object toFloat(Renderer r, Object v, Args a) {
        Object fallback = a.get(0, "default", 0.0);
        return switch (v) {
            case Long l -> (double) l;
            case Double d -> d;
            case Boolean b -> b ? 1.0 : 0.0;
            case Str s -> {
                try {
                    yield Double.parseDouble(s.text().strip());
                } catch (NumberFormatException e) {
                    yield fallback;
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object round(Renderer r, Object v, Args a) {
        int precision = (int) Values.toLong(a.get(0, "precision", 0L));
        String method = Values.str(a.get(1, "method", Str.of("common"))).text();
        java.math.BigDecimal d = new java.math.BigDecimal(Values.toDouble(v));
        java.math.RoundingMode mode = switch (method) {
            case "ceil" -> java.math.RoundingMode.CEILING;
            case "floor" -> java.math.RoundingMode.FLOOR;
            default -> java.math.RoundingMode.HALF_EVEN;
        };
        return d.setScale(precision, mode).doubleValue();
    }

    /** Jinja's indent: every line but the first (unless {@code first}) gets the prefix; blank lines stay blank. */
    private static Object indent(Renderer r, Object v, Args a) {
        Object width = a.get(0, "width", 4L);
        String prefix = width instanceof Str s ? s.text() : " ".repeat((int) Values.toLong(width));
        boolean first = Values.truthy(a.get(1, "first", false));
        boolean blank = Values.truthy(a.get(2, "blank", false));
        Str source = Values.str(v);
        List<String> lines = Methods.splitLines(source.text() + "\n", false);
        StringBuilder b = new StringBuilder();
        if (blank) {
            b.append(String.join("\n" + prefix, lines));
        } else {
            b.append(lines.getFirst());
            for (String line : lines.subList(1, lines.size())) {
                b.append('\n').append(line.isEmpty() ? "" : prefix + line);
            }
        }
        return source.derive(first ? prefix + b : b.toString());
    }

    private static Object batch(Renderer r, Object v, Args a) {
        int size = (int) Values.toLong(a.get(0, "linecount", 1L));
        if (size <= 0) {
            throw new TemplateRuntimeError("batch size must be positive");
        }
        Object fill = a.get(1, "fill_with", null);
        List<Object> out = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : Values.iterate(v)) {
            current.add(item);
            if (current.size() == size) {
                out.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (a.has(1, "fill_with") && current.size() < size) {
                current.add(fill);
            }
            out.add(current);
        }
        return out;
    }
}
