package com.mysticanvas.llm.template.jinja;

import java.util.List;

/** Statement nodes of a parsed template. */
public sealed interface Stmt {
    /** Literal template text, already whitespace-controlled by the lexer. */
    record Text(String text) implements Stmt {}

    /** {@code {{ expr }}}. */
    record Print(Expr expr) implements Stmt {}

    record Branch(Expr test, List<Stmt> body) {}

    /** {@code if / elif ... / else}. */
    record If(List<Branch> branches, List<Stmt> orElse) implements Stmt {}

    /** {@code for target in iterable [if filter]}, with an {@code else} body run when nothing was iterated. */
    record For(Target target, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> orElse, int line)
            implements Stmt {}

    /** {@code set target = value}. */
    record Set(Target target, Expr value, int line) implements Stmt {}

    /** {@code set name [| filters] %}body{% endset}: captures the body's output. */
    record SetBlock(Target target, Expr filter, List<Stmt> body, int line) implements Stmt {}

    record Param(String name, Expr defaultValue) {}

    /** {@code macro name(params)}: defines a callable that returns its body's output. */
    record Macro(String name, List<Param> params, List<Stmt> body) implements Stmt {}

    /** {@code filter name(args)}: applies a filter chain to the body's output ({@code input} of the chain is null). */
    record FilterBlock(Expr filter, List<Stmt> body) implements Stmt {}

    /** A block rendered as is: {@code generation} (Hugging Face's assistant mask marker). */
    record Block(List<Stmt> body) implements Stmt {}

    record Break() implements Stmt {}

    record Continue() implements Stmt {}

    /** Where {@code set} and {@code for} assign to. */
    sealed interface Target {}

    record NameTarget(String name) implements Target {}

    record TupleTarget(List<Target> items) implements Target {}

    /** {@code ns.attr} where {@code ns} is a namespace object. */
    record AttrTarget(String namespace, String attr) implements Target {}
}
