package com.mysticanvas.llm.template.jinja;


import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attribute and item access (Jinja's rules), the Python methods of str, list and dict that templates call, and
 * the global functions ({@code range}, {@code namespace}, {@code dict}, {@code raise_exception},
 * {@code strftime_now}).
 */
final class Builtins {
    /** The sandbox's limit on {@code range}, as in Jinja's SandboxedEnvironment. */
    static final int MAX_RANGE = 100_000;

    private Builtins() {}

    static Scope globals() {
        Scope g = new Scope(null);
        g.set("range", (JinjaFunction) Builtins::range);
        g.set("namespace", (JinjaFunction) (r, args) -> {
            Namespace ns = new Namespace();
            for (Object initial : args.positional()) {
                if (initial instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> ns.attributes.put(Values.str(k).text(), v));
                }
            }
            ns.attributes.putAll(args.keywords());
            return ns;
        });
        g.set("dict", (JinjaFunction) (r, args) -> {
            Map<Object, Object> map = new LinkedHashMap<>();
            for (Object initial : args.positional()) {
                if (initial instanceof Map<?, ?> m) {
                    map.putAll(m);
                }
            }
            args.keywords().forEach((k, v) -> map.put(Str.of(k), v));
            return map;
        });
        g.set("raise_exception", (JinjaFunction) (r, args) -> {
            throw new TemplateException(Values.str(args.get(0, "message", Str.EMPTY)).text());
        });
        g.set("strftime_now", (JinjaFunction) (r, args) -> Str.of(PyFormat.strftime(
                ZonedDateTime.now(r.clock), Values.str(args.get(0, "format", Str.of("%Y-%m-%d"))).text())));
        return g;
    }

    private static Object range(Renderer r, Args args) {
        long start = 0;
        long stop;
        long step = 1;
        if (args.size() == 1) {
            stop = Values.toLong(args.positional().getFirst());
        } else if (args.size() >= 2) {
            start = Values.toLong(args.positional().get(0));
            stop = Values.toLong(args.positional().get(1));
            if (args.size() > 2) {
                step = Values.toLong(args.positional().get(2));
            }
        } else {
            throw new TemplateRuntimeError("range expected at least 1 argument, got 0");
        }
        if (step == 0) {
            throw new TemplateRuntimeError("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= MAX_RANGE) {
                throw new TemplateRuntimeError("range too big; the sandbox blocks ranges larger than " + MAX_RANGE);
            }
            out.add(i);
        }
        return out;
    }

    // ---- access

    /** {@code obj.name}: methods and attributes first, then the item named {@code name}. */
    static Object getAttr(Object obj, String name) {
        return switch (obj) {
            case Undefined u -> throw u.fail();
            case Map<?, ?> m -> {
                JinjaFunction method = Methods.dict(m, name);
                if (method != null) {
                    yield method;
                }
                Str key = Str.of(name);
                yield m.containsKey(key) ? m.get(key) : missing("dict", name);
            }
            case Namespace ns -> ns.attributes.containsKey(name) ? ns.attributes.get(name)
                    : missing("Namespace", name);
            case LoopInfo loop -> loop.attribute(name);
            case Str s -> {
                JinjaFunction method = Methods.str(s, name);
                yield method != null ? method : missing("str", name);
            }
            case List<?> l -> {
                JinjaFunction method = Methods.list(l, name);
                yield method != null ? method : missing(Values.typeName(l), name);
            }
            case null -> new Undefined("'None' has no attribute '" + name + "'");
            default -> missing(Values.typeName(obj), name);
        };
    }

    private static Undefined missing(String type, Object name) {
        return new Undefined("'" + type + " object' has no attribute '" + name + "'");
    }

    /** {@code obj[key]}: the item first, then (for a string key) the attribute. */
    static Object getItem(Object obj, Object key) {
        switch (obj) {
            case Undefined u -> throw u.fail();
            case Map<?, ?> m -> {
                if (m.containsKey(key)) {
                    return m.get(key);
                }
                if (Values.isNumber(key)) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (Values.eq(e.getKey(), key)) {
                            return e.getValue();
                        }
                    }
                }
            }
            case List<?> l when Values.isInteger(key) -> {
                long i = Values.toLong(key);
                long index = i < 0 ? l.size() + i : i;
                return index >= 0 && index < l.size() ? l.get((int) index)
                        : new Undefined("'" + Values.typeName(l) + " object' has no attribute '" + i + "'");
            }
            case Str s when Values.isInteger(key) -> {
                List<Object> chars = Values.iterate(s);
                long i = Values.toLong(key);
                long index = i < 0 ? chars.size() + i : i;
                return index >= 0 && index < chars.size() ? chars.get((int) index)
                        : new Undefined("'str object' has no attribute '" + i + "'");
            }
            case null, default -> { }
        }
        if (key instanceof Str name && obj != null) {
            return getAttr(obj, name.text());
        }
        return new Undefined("'" + Values.typeName(obj) + " object' has no attribute '" + Values.str(key) + "'");
    }

    /** Python slicing of lists, tuples and strings. */
    static Object slice(Object obj, Object startArg, Object stopArg, Object stepArg) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        List<Object> items = switch (obj) {
            case Str s -> Values.iterate(s);
            case List<?> l -> new ArrayList<>(l);
            case null, default -> throw new TemplateRuntimeError("'" + Values.typeName(obj) + "' object is not subscriptable");
        };
        int n = items.size();
        long step = stepArg == null ? 1 : Values.toLong(stepArg);
        if (step == 0) {
            throw new TemplateRuntimeError("slice step cannot be zero");
        }
        long start;
        long stop;
        if (step > 0) {
            start = startArg == null ? 0 : clamp(Values.toLong(startArg), n, 0, n);
            stop = stopArg == null ? n : clamp(Values.toLong(stopArg), n, 0, n);
        } else {
            start = startArg == null ? n - 1 : clamp(Values.toLong(startArg), n, -1, n - 1);
            stop = stopArg == null ? -1 : clamp(Values.toLong(stopArg), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(items.get((int) i));
        }
        return switch (obj) {
            case Str s -> {
                StringBuilder b = new StringBuilder();
                out.forEach(c -> b.append(((Str) c).text()));
                yield s.derive(b.toString());
            }
            case Tuple t -> new Tuple(out);
            default -> out;
        };
    }

    private static long clamp(long index, int n, long low, long high) {
        long i = index < 0 ? index + n : index;
        return Math.max(low, Math.min(high, i));
    }
}
