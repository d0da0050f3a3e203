package com.mysticanvas.llm.template.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python semantics of template values. Values are: {@code null} (None), {@link Undefined}, Boolean, Long (int),
 * Double (float), {@link Str}, List (list; {@link Tuple} for tuples), Map with {@link Str} keys (dict),
 * {@link Namespace}, {@link LoopInfo} and {@link JinjaFunction}.
 */
final class Values {
    private Values() {}

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case Str s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Undefined u -> "Undefined";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case Str s -> "str";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "Namespace";
            case LoopInfo l -> "LoopContext";
            default -> "function";
        };
    }

    /** Python's {@code str(v)}, keeping input marks of strings. */
    static Str str(Object v) {
        return switch (v) {
            case Str s -> s;
            case Undefined u -> Str.EMPTY;
            case null, default -> Str.of(repr(v));
        };
    }

    /** Python's {@code repr(v)} ({@code str} for numbers, booleans and None). */
    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Undefined u -> "";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case Str s -> PyStrings.repr(s.text());
            case Tuple t -> {
                StringBuilder b = new StringBuilder("(");
                joinRepr(b, t);
                yield b.append(t.size() == 1 ? ",)" : ")").toString();
            }
            case List<?> l -> {
                StringBuilder b = new StringBuilder("[");
                joinRepr(b, l);
                yield b.append(']').toString();
            }
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(", ");
                    }
                    first = false;
                    b.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                }
                yield b.append('}').toString();
            }
            case Namespace n -> "<Namespace " + n.attributes.keySet() + ">";
            default -> "<function>";
        };
    }

    private static void joinRepr(StringBuilder b, List<?> items) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(repr(items.get(i)));
        }
    }

    /** Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = bd.abs().toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateRuntimeError("expected a number, got " + typeName(v));
        };
    }

    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateRuntimeError("'" + typeName(v) + "' object cannot be interpreted as an integer");
        };
    }

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return isInteger(a) && isInteger(b) ? toLong(a) == toLong(b) : toDouble(a) == toDouble(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python ordering for {@code <}, sort, min and max. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return isInteger(a) && isInteger(b) ? Long.compare(toLong(a), toLong(b))
                    : Double.compare(toDouble(a), toDouble(b));
        }
        if (a instanceof Str sa && b instanceof Str sb) {
            return sa.compareTo(sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof Tuple) == (b instanceof Tuple)) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i));
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        throw new TemplateRuntimeError("'<' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    /** The items a {@code for} loop (or a filter) sees: list items, dict keys, string characters. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case Undefined u -> List.of();
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case Str s -> {
                List<Object> chars = new ArrayList<>();
                String t = s.text();
                for (int i = 0; i < t.length(); ) {
                    int cp = t.codePointAt(i);
                    int n = Character.charCount(cp);
                    chars.add(s.derive(t.substring(i, i + n)));
                    i += n;
                }
                yield chars;
            }
            case LoopInfo l -> throw new TemplateRuntimeError("'LoopContext' object is not iterable");
            case null, default -> throw new TemplateRuntimeError("'" + typeName(v) + "' object is not iterable");
        };
    }

    static boolean isIterable(Object v) {
        return v instanceof List || v instanceof Map || v instanceof Str || v instanceof Undefined;
    }

    static boolean contains(Object container, Object item) {
        return switch (container) {
            case Str s -> {
                if (!(item instanceof Str sub)) {
                    throw new TemplateRuntimeError("'in <string>' requires string as left operand, not "
                            + typeName(item));
                }
                yield s.text().contains(sub.text());
            }
            case Map<?, ?> m -> m.containsKey(item) || containsKeyNumeric(m, item);
            case Undefined u -> false;
            case null, default -> {
                for (Iterator<Object> it = iterate(container).iterator(); it.hasNext(); ) {
                    if (eq(it.next(), item)) {
                        yield true;
                    }
                }
                yield false;
            }
        };
    }

    private static boolean containsKeyNumeric(Map<?, ?> m, Object item) {
        if (!isNumber(item)) {
            return false;
        }
        for (Object k : m.keySet()) {
            if (eq(k, item)) {
                return true;
            }
        }
        return false;
    }

    static int length(Object v) {
        return switch (v) {
            case Str s -> s.length();
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case Namespace n -> n.attributes.size();
            case null, default -> throw new TemplateRuntimeError("object of type '" + typeName(v) + "' has no len()");
        };
    }
}
