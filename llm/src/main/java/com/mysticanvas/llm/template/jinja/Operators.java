package com.mysticanvas.llm.template.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python arithmetic on template values ({@code + - * / // % **}, unary minus), with Python's error texts. */
final class Operators {
    private Operators() {}

    static Object apply(Expr.Arith op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        return switch (op) {
            case ADD -> add(a, b);
            case SUB -> numeric(op, a, b);
            case MUL -> multiply(a, b);
            case DIV -> {
                checkNumbers("/", a, b);
                double divisor = Values.toDouble(b);
                if (divisor == 0) {
                    throw new TemplateRuntimeError("division by zero");
                }
                yield Values.toDouble(a) / divisor;
            }
            case FLOORDIV, POW -> numeric(op, a, b);
            case MOD -> a instanceof Str s ? PyFormat.percent(s, b) : numeric(op, a, b);
        };
    }

    private static Object add(Object a, Object b) {
        if (a instanceof Str sa) {
            if (b instanceof Str sb) {
                return sa.concat(sb);
            }
            throw new TemplateRuntimeError("can only concatenate str (not \"" + Values.typeName(b) + "\") to str");
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof Tuple) == (b instanceof Tuple)) {
            List<Object> out = new ArrayList<>(la);
            out.addAll(lb);
            return a instanceof Tuple ? new Tuple(out) : out;
        }
        if (a instanceof List<?> && !(b instanceof List<?>)) {
            throw new TemplateRuntimeError("can only concatenate list (not \"" + Values.typeName(b) + "\") to list");
        }
        return numeric(Expr.Arith.ADD, a, b);
    }

    private static Object multiply(Object a, Object b) {
        if (a instanceof Str s && Values.isInteger(b)) {
            return s.derive(s.text().repeat(times(s.text().length(), Values.toLong(b))));
        }
        if (b instanceof Str s && Values.isInteger(a)) {
            return s.derive(s.text().repeat(times(s.text().length(), Values.toLong(a))));
        }
        if (a instanceof List<?> l && Values.isInteger(b)) {
            List<Object> out = new ArrayList<>();
            for (long i = 0, n = times(l.size(), Values.toLong(b)); i < n; i++) {
                out.addAll(l);
            }
            return out;
        }
        return numeric(Expr.Arith.MUL, a, b);
    }

    /** A repeat count, refused when the result would exceed what a prompt may hold. */
    private static int times(int unit, long count) {
        long n = Math.max(0, count);
        if (unit > 0 && n > Output.MAX_CHARS / unit) {
            throw new TemplateRuntimeError("repetition too large (" + unit + " x " + count + ")");
        }
        return (int) Math.min(n, Output.MAX_CHARS);
    }

    private static void checkNumbers(String symbol, Object a, Object b) {
        if (!Values.isNumber(a) || !Values.isNumber(b)) {
            throw new TemplateRuntimeError("unsupported operand type(s) for " + symbol + ": '" + Values.typeName(a)
                    + "' and '" + Values.typeName(b) + "'");
        }
    }

    private static Object numeric(Expr.Arith op, Object a, Object b) {
        String symbol = switch (op) {
            case ADD -> "+";
            case SUB -> "-";
            case MUL -> "*";
            case DIV -> "/";
            case FLOORDIV -> "//";
            case MOD -> "%";
            case POW -> "**";
        };
        checkNumbers(symbol, a, b);
        if (Values.isInteger(a) && Values.isInteger(b)) {
            long x = Values.toLong(a);
            long y = Values.toLong(b);
            return switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case FLOORDIV -> {
                    if (y == 0) {
                        throw new TemplateRuntimeError("integer division or modulo by zero");
                    }
                    yield Math.floorDiv(x, y);
                }
                case MOD -> {
                    if (y == 0) {
                        throw new TemplateRuntimeError("integer division or modulo by zero");
                    }
                    yield Math.floorMod(x, y);
                }
                case POW -> y >= 0 ? intPow(x, y) : Math.pow(x, y);
                case DIV -> throw new IllegalStateException();
            };
        }
        double x = Values.toDouble(a);
        double y = Values.toDouble(b);
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case FLOORDIV -> {
                if (y == 0) {
                    throw new TemplateRuntimeError("float floor division by zero");
                }
                yield Math.floor(x / y);
            }
            case MOD -> {
                if (y == 0) {
                    throw new TemplateRuntimeError("float modulo");
                }
                double r = x % y;
                yield r != 0 && (r < 0) != (y < 0) ? r + y : r;
            }
            case POW -> Math.pow(x, y);
            case DIV -> throw new IllegalStateException();
        };
    }

    /** Exact while it fits a long (Python ints are unbounded), then a float. */
    private static Object intPow(long base, long exp) {
        try {
            long result = 1;
            long b = base;
            for (long e = exp; e > 0; e >>= 1) {
                if ((e & 1) == 1) {
                    result = Math.multiplyExact(result, b);
                }
                if (e > 1) {
                    b = Math.multiplyExact(b, b);
                }
            }
            return result;
        } catch (ArithmeticException overflow) {
            return Math.pow(base, exp);
        }
    }

    static Object negate(Object v) {
        return switch (v) {
            case Long l -> -l;
            case Double d -> -d;
            case Boolean b -> b ? -1L : 0L;
            case Undefined u -> throw u.fail();
            case null, default -> throw new TemplateRuntimeError("bad operand type for unary -: '" + Values.typeName(v) + "'");
        };
    }

    static Object plus(Object v) {
        return switch (v) {
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b ? 1L : 0L;
            case Undefined u -> throw u.fail();
            case null, default -> throw new TemplateRuntimeError("bad operand type for unary +: '" + Values.typeName(v) + "'");
        };
    }
}
