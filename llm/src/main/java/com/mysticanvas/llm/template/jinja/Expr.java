package com.mysticanvas.llm.template.jinja;

import java.util.List;

/** Expression nodes of a parsed template; {@code line} is the source line, for error messages. */
public sealed interface Expr {
    /** A literal: null (none), Boolean, Long, Double or {@link Str}. */
    record Const(Object value) implements Expr {}

    record Name(String name, int line) implements Expr {}

    /** {@code obj.name}: attribute first, then item (Jinja's getattr rule). */
    record GetAttr(Expr object, String name, int line) implements Expr {}

    /** {@code obj[key]}: item first, then attribute; {@code key} may be a {@link Slice}. */
    record GetItem(Expr object, Expr key, int line) implements Expr {}

    /** {@code start:stop:step} inside brackets; absent parts are null. */
    record Slice(Expr start, Expr stop, Expr step) implements Expr {}

    record Keyword(String name, Expr value) {}

    /** A call; {@code starArgs}/{@code starKwargs} are {@code *args}/{@code **kwargs} or null. */
    record Call(Expr function, List<Expr> args, List<Keyword> kwargs, Expr starArgs, Expr starKwargs, int line)
            implements Expr {}

    /** {@code input | name(args)}; input is null inside a {@code {% filter %}} block head. */
    record Filter(Expr input, String name, List<Expr> args, List<Keyword> kwargs, int line) implements Expr {}

    /** {@code input is name(args)}. */
    record Test(Expr input, String name, List<Expr> args, List<Keyword> kwargs, int line) implements Expr {}

    record Not(Expr operand) implements Expr {}

    record Negate(Expr operand, int line) implements Expr {}

    record Plus(Expr operand, int line) implements Expr {}

    enum Arith { ADD, SUB, MUL, DIV, FLOORDIV, MOD, POW }

    record Binary(Arith op, Expr left, Expr right, int line) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    enum CompareOp { EQ, NE, LT, LE, GT, GE, IN, NOT_IN }

    record Operand(CompareOp op, Expr right) {}

    /** A comparison chain such as {@code a < b <= c}. */
    record Compare(Expr first, List<Operand> rest, int line) implements Expr {}

    /** {@code a ~ b ~ c}: string concatenation. */
    record Concat(List<Expr> parts) implements Expr {}

    /** {@code then if test else orElse}; orElse null means undefined. */
    record Conditional(Expr test, Expr then, Expr orElse) implements Expr {}

    record ListLiteral(List<Expr> items) implements Expr {}

    record TupleLiteral(List<Expr> items) implements Expr {}

    record Pair(Expr key, Expr value) {}

    record DictLiteral(List<Pair> pairs) implements Expr {}
}
