package com.mysticanvas.llm.template.jinja;


import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes a parsed template: Jinja's scoping (each loop iteration and macro call gets its own scope, {@code if}
 * does not), Python value semantics, and limits on work, output and recursion so no template can hang or crash
 * the worker.
 */
final class Renderer {
    /** Statements, loop iterations and calls one render may run; real chat templates use a few thousand. */
    static final long MAX_STEPS = 20_000_000;
    static final int MAX_CALL_DEPTH = 100;

    private enum Flow { NORMAL, BREAK, CONTINUE }

    final Clock clock;
    private Output out = new Output();
    private long steps;
    private int callDepth;
    private int line;

    Renderer(Clock clock) {
        this.clock = clock;
    }

    Str render(List<Stmt> body, Scope root) {
        try {
            exec(body, root);
            return out.toStr();
        } catch (TemplateRuntimeError e) {
            throw new TemplateException("template error, line " + line + ": " + e.getMessage());
        } catch (StackOverflowError e) {
            throw new TemplateException("template error, line " + line + ": nesting too deep");
        } catch (TemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            // a case this interpreter does not handle: refuse the template rather than fail the request
            throw new TemplateException("template error, line " + line + ": " + e, e);
        }
    }

    // ---- statements

    private Flow exec(List<Stmt> body, Scope scope) {
        for (Stmt s : body) {
            Flow flow = exec(s, scope);
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow exec(Stmt stmt, Scope scope) {
        tick();
        switch (stmt) {
            case Stmt.Text t -> out.append(Str.of(t.text()));
            case Stmt.Print p -> out.append(Values.str(eval(p.expr(), scope)));
            case Stmt.If i -> {
                for (Stmt.Branch b : i.branches()) {
                    if (Values.truthy(eval(b.test(), scope))) {
                        return exec(b.body(), scope);
                    }
                }
                return exec(i.orElse(), scope);
            }
            case Stmt.For f -> {
                return forLoop(f, scope);
            }
            case Stmt.Set s -> {
                line = s.line();
                assign(s.target(), eval(s.value(), scope), scope);
            }
            case Stmt.SetBlock s -> {
                line = s.line();
                Str body = capture(s.body(), scope);
                assign(s.target(), s.filter() == null ? body : applyFilterChain(s.filter(), body, scope), scope);
            }
            case Stmt.Macro m -> scope.set(m.name(), new MacroFunction(m, scope));
            case Stmt.FilterBlock f -> out.append(Values.str(applyFilterChain(f.filter(), capture(f.body(), scope),
                    scope)));
            case Stmt.Block b -> {
                return exec(b.body(), scope);
            }
            case Stmt.Break b -> {
                return Flow.BREAK;
            }
            case Stmt.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private Flow forLoop(Stmt.For f, Scope scope) {
        line = f.line();
        List<Object> items = Values.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                tick();
                Scope test = new Scope(scope);
                assign(f.target(), item, test);
                if (Values.truthy(eval(f.filter(), test))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            return exec(f.orElse(), scope);
        }
        LoopInfo loop = new LoopInfo(items);
        for (int i = 0; i < items.size(); i++) {
            tick();
            Scope iteration = new Scope(scope);
            loop.moveTo(i);
            iteration.set("loop", loop);
            assign(f.target(), items.get(i), iteration);
            if (exec(f.body(), iteration) == Flow.BREAK) {
                break;
            }
        }
        return Flow.NORMAL;
    }

    private void assign(Stmt.Target target, Object value, Scope scope) {
        switch (target) {
            case Stmt.NameTarget n -> scope.set(n.name(), value);
            case Stmt.AttrTarget a -> {
                if (!(scope.lookup(a.namespace()) instanceof Namespace ns)) {
                    throw new TemplateRuntimeError("cannot assign attribute on non-namespace object");
                }
                ns.attributes.put(a.attr(), value);
            }
            case Stmt.TupleTarget t -> {
                List<Object> items = Values.iterate(value);
                if (items.size() != t.items().size()) {
                    throw new TemplateRuntimeError((items.size() < t.items().size() ? "not enough" : "too many")
                            + " values to unpack (expected " + t.items().size() + ", got " + items.size() + ")");
                }
                for (int i = 0; i < items.size(); i++) {
                    assign(t.items().get(i), items.get(i), scope);
                }
            }
        }
    }

    /** Runs a body into a fresh output and returns what it wrote. */
    private Str capture(List<Stmt> body, Scope scope) {
        Output saved = out;
        out = new Output();
        try {
            exec(body, scope);
            return out.toStr();
        } finally {
            out = saved;
        }
    }

    private void tick() {
        if (++steps > MAX_STEPS) {
            throw new TemplateRuntimeError("template runs too long (more than " + MAX_STEPS + " steps)");
        }
    }

    // ---- expressions

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> {
                line = n.line();
                yield scope.lookup(n.name());
            }
            case Expr.GetAttr g -> {
                Object object = eval(g.object(), scope);
                line = g.line();
                yield Builtins.getAttr(object, g.name());
            }
            case Expr.GetItem g -> {
                Object object = eval(g.object(), scope);
                line = g.line();
                yield g.key() instanceof Expr.Slice s ? slice(object, s, scope)
                        : Builtins.getItem(object, eval(g.key(), scope));
            }
            case Expr.Slice s -> throw new TemplateRuntimeError("slice outside of brackets");
            case Expr.Call c -> call(c, scope);
            case Expr.Filter f -> {
                Object input = eval(f.input(), scope);
                yield applyFilter(f, input, scope);
            }
            case Expr.Test t -> {
                Object input = eval(t.input(), scope);
                line = t.line();
                yield Tests.apply(this, t.name(), input, args(t.args(), t.kwargs(), null, null, scope));
            }
            case Expr.Not n -> !Values.truthy(eval(n.operand(), scope));
            case Expr.Negate n -> Operators.negate(eval(n.operand(), scope));
            case Expr.Plus p -> Operators.plus(eval(p.operand(), scope));
            case Expr.Binary b -> {
                Object left = eval(b.left(), scope);
                Object right = eval(b.right(), scope);
                line = b.line();
                yield Operators.apply(b.op(), left, right);
            }
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                yield Values.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                yield Values.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.Compare c -> compare(c, scope);
            case Expr.Concat c -> {
                Str result = Str.EMPTY;
                for (Expr part : c.parts()) {
                    result = result.concat(Values.str(eval(part, scope)));
                }
                yield result;
            }
            case Expr.Conditional c -> Values.truthy(eval(c.test(), scope)) ? eval(c.then(), scope)
                    : c.orElse() == null ? new Undefined("the inline if-expression evaluated to false and no else"
                    + " section was defined") : eval(c.orElse(), scope);
            case Expr.ListLiteral l -> {
                List<Object> items = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) {
                    items.add(eval(item, scope));
                }
                yield items;
            }
            case Expr.TupleLiteral t -> {
                List<Object> items = new ArrayList<>(t.items().size());
                for (Expr item : t.items()) {
                    items.add(eval(item, scope));
                }
                yield new Tuple(items);
            }
            case Expr.DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (Expr.Pair p : d.pairs()) {
                    map.put(eval(p.key(), scope), eval(p.value(), scope));
                }
                yield map;
            }
        };
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (Expr.Operand operand : c.rest()) {
            Object right = eval(operand.right(), scope);
            line = c.line();
            boolean ok = switch (operand.op()) {
                case EQ -> Values.eq(left, right);
                case NE -> !Values.eq(left, right);
                case LT -> Values.compare(left, right) < 0;
                case LE -> Values.compare(left, right) <= 0;
                case GT -> Values.compare(left, right) > 0;
                case GE -> Values.compare(left, right) >= 0;
                case IN -> Values.contains(right, left);
                case NOT_IN -> !Values.contains(right, left);
            };
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }

    private Object slice(Object object, Expr.Slice s, Scope scope) {
        Object start = s.start() == null ? null : eval(s.start(), scope);
        Object stop = s.stop() == null ? null : eval(s.stop(), scope);
        Object step = s.step() == null ? null : eval(s.step(), scope);
        return Builtins.slice(object, start, stop, step);
    }

    private Object call(Expr.Call c, Scope scope) {
        Object function = eval(c.function(), scope);
        Args args = args(c.args(), c.kwargs(), c.starArgs(), c.starKwargs(), scope);
        line = c.line();
        return invoke(function, args);
    }

    Object invoke(Object function, Args args) {
        return switch (function) {
            case JinjaFunction f -> {
                if (++callDepth > MAX_CALL_DEPTH) {
                    throw new TemplateRuntimeError("calls nested too deeply (more than " + MAX_CALL_DEPTH + ")");
                }
                try {
                    yield f.call(this, args);
                } finally {
                    callDepth--;
                }
            }
            case Undefined u -> throw u.fail();
            case null, default -> throw new TemplateRuntimeError("'" + Values.typeName(function) + "' object is not callable");
        };
    }

    private Args args(List<Expr> positional, List<Expr.Keyword> keywords, Expr star, Expr starStar, Scope scope) {
        if (positional.isEmpty() && keywords.isEmpty() && star == null && starStar == null) {
            return Args.NONE;
        }
        List<Object> values = new ArrayList<>(positional.size());
        for (Expr e : positional) {
            values.add(eval(e, scope));
        }
        if (star != null) {
            values.addAll(Values.iterate(eval(star, scope)));
        }
        Map<String, Object> named = new LinkedHashMap<>();
        for (Expr.Keyword k : keywords) {
            named.put(k.name(), eval(k.value(), scope));
        }
        if (starStar != null) {
            if (!(eval(starStar, scope) instanceof Map<?, ?> extra)) {
                throw new TemplateRuntimeError("argument after ** must be a mapping");
            }
            extra.forEach((k, v) -> named.put(Values.str(k).text(), v));
        }
        return new Args(values, named);
    }

    private Object applyFilter(Expr.Filter f, Object input, Scope scope) {
        Args args = args(f.args(), f.kwargs(), null, null, scope);
        line = f.line();
        return Filters.apply(this, f.name(), input, args);
    }

    /** A filter chain whose innermost input is null (set/filter blocks) applied to {@code value}. */
    private Object applyFilterChain(Expr chain, Object value, Scope scope) {
        if (!(chain instanceof Expr.Filter f)) {
            throw new TemplateRuntimeError("filter expected");
        }
        Object input = f.input() == null ? value : applyFilterChain(f.input(), value, scope);
        return applyFilter(f, input, scope);
    }

    /** A macro bound to the scope it was defined in; calling it returns its output. */
    private record MacroFunction(Stmt.Macro def, Scope closure) implements JinjaFunction {
        @Override
        public Object call(Renderer r, Args args) {
            Scope scope = new Scope(closure);
            List<Stmt.Param> params = def.params();
            for (int i = 0; i < params.size(); i++) {
                Stmt.Param p = params.get(i);
                if (args.has(i, p.name())) {
                    scope.set(p.name(), args.get(i, p.name(), null));
                } else if (p.defaultValue() != null) {
                    scope.set(p.name(), r.eval(p.defaultValue(), scope));
                } else {
                    scope.set(p.name(), new Undefined("parameter '" + p.name() + "' was not provided"));
                }
            }
            List<Object> extra = args.size() > params.size()
                    ? args.positional().subList(params.size(), args.size()) : List.of();
            scope.set("varargs", new Tuple(new ArrayList<>(extra)));
            Map<Object, Object> kwargs = new LinkedHashMap<>();
            args.keywords().forEach((k, v) -> {
                if (params.stream().noneMatch(p -> p.name().equals(k))) {
                    kwargs.put(Str.of(k), v);
                }
            });
            scope.set("kwargs", kwargs);
            return r.capture(def.body(), scope);
        }
    }
}
