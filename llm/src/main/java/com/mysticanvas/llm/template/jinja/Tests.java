package com.mysticanvas.llm.template.jinja;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Jinja's tests ({@code x is defined}, {@code x is string}, ...). */
final class Tests {
    @FunctionalInterface
    private interface Test {
        boolean test(Renderer r, Object value, Args args);
    }

    private static final Map<String, Test> TESTS = new HashMap<>();

    private Tests() {}

    static boolean apply(Renderer r, String name, Object value, Args args) {
        Test t = TESTS.get(name);
        if (t == null) {
            throw new TemplateRuntimeError("no test named '" + name + "'");
        }
        return t.test(r, value, args);
    }

    private static void def(Test t, String... names) {
        for (String n : names) {
            TESTS.put(n, t);
        }
    }

    private static Object arg(Args a) {
        return a.get(0, null, null);
    }

    static {
        def((r, v, a) -> !(v instanceof Undefined), "defined");
        def((r, v, a) -> v instanceof Undefined, "undefined");
        def((r, v, a) -> v == null, "none");
        def((r, v, a) -> v instanceof Str, "string");
        def((r, v, a) -> Values.isNumber(v), "number");
        def((r, v, a) -> v instanceof Long, "integer");
        def((r, v, a) -> v instanceof Double, "float");
        def((r, v, a) -> v instanceof Boolean, "boolean");
        def((r, v, a) -> Boolean.TRUE.equals(v), "true");
        def((r, v, a) -> Boolean.FALSE.equals(v), "false");
        def((r, v, a) -> v instanceof Map, "mapping");
        def((r, v, a) -> Values.isIterable(v), "iterable");
        def((r, v, a) -> v instanceof List || v instanceof Map || v instanceof Str || v instanceof Undefined,
                "sequence");
        def((r, v, a) -> v instanceof JinjaFunction, "callable");
        def((r, v, a) -> Values.eq(v, arg(a)), "equalto", "eq", "==");
        def((r, v, a) -> !Values.eq(v, arg(a)), "ne", "!=");
        def((r, v, a) -> Values.compare(v, arg(a)) < 0, "lt", "lessthan", "<");
        def((r, v, a) -> Values.compare(v, arg(a)) <= 0, "le", "<=");
        def((r, v, a) -> Values.compare(v, arg(a)) > 0, "gt", "greaterthan", ">");
        def((r, v, a) -> Values.compare(v, arg(a)) >= 0, "ge", ">=");
        def((r, v, a) -> Values.contains(arg(a), v), "in");
        def((r, v, a) -> Math.floorMod(Values.toLong(v), 2) == 1, "odd");
        def((r, v, a) -> Math.floorMod(Values.toLong(v), 2) == 0, "even");
        def((r, v, a) -> {
            long d = Values.toLong(arg(a));
            return d != 0 && Values.toLong(v) % d == 0;
        }, "divisibleby");
        def((r, v, a) -> v instanceof Str s && s.text().equals(s.text().toLowerCase()), "lower");
        def((r, v, a) -> v instanceof Str s && s.text().equals(s.text().toUpperCase()), "upper");
        def((r, v, a) -> v == arg(a) || (v instanceof Boolean && v.equals(arg(a))), "sameas");
        def((r, v, a) -> Filters.exists(Values.str(v).text()), "filter");
        def((r, v, a) -> TESTS.containsKey(Values.str(v).text()), "test");
        def((r, v, a) -> false, "escaped");
    }
}
