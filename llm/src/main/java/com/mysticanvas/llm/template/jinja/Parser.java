package com.mysticanvas.llm.template.jinja;

import com.mysticanvas.llm.template.jinja.Expr.Arith;
import com.mysticanvas.llm.template.jinja.Expr.CompareOp;
import com.mysticanvas.llm.template.jinja.Lexer.Kind;
import com.mysticanvas.llm.template.jinja.Lexer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser with Jinja2's grammar and operator precedence. */
final class Parser {
    /** Deeper nesting than this is refused rather than risking the stack. */
    private static final int MAX_NESTING = 200;

    private final List<Token> tokens;
    private int pos;
    private int nesting;
    private int loops;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Stmt> body = parser.subparse(Set.of());
        if (parser.peek().kind() != Kind.EOF) {
            throw parser.error("unexpected '" + parser.peek().text() + "'");
        }
        return body;
    }

    // ---- statements

    /** Statements up to a block tag named in {@code endNames}; leaves the stream on that tag's name. */
    private List<Stmt> subparse(Set<String> endNames) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case TEXT -> {
                    next();
                    body.add(new Stmt.Text(t.text()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true, Set.of(), false);
                    expect(Kind.VAR_END, "'}}'");
                    body.add(new Stmt.Print(e));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && endNames.contains(name.text())) {
                        next();
                        return body;
                    }
                    next();
                    body.add(statement());
                }
                case EOF -> {
                    if (!endNames.isEmpty()) {
                        throw error("unexpected end of template, expected one of " + endNames);
                    }
                    return body;
                }
                default -> throw error("unexpected '" + t.text() + "'");
            }
        }
    }

    private Stmt statement() {
        Token t = peek();
        if (t.kind() != Kind.NAME) {
            throw error("tag name expected");
        }
        return switch (t.text()) {
            case "if" -> parseIf();
            case "for" -> parseFor();
            case "set" -> parseSet();
            case "macro" -> parseMacro();
            case "filter" -> parseFilterBlock();
            case "generation" -> {
                next();
                expect(Kind.BLOCK_END, "'%}'");
                List<Stmt> body = subparse(Set.of("endgeneration"));
                endTag();
                yield new Stmt.Block(body);
            }
            case "break", "continue" -> {
                if (loops == 0) {
                    throw error("'" + t.text() + "' outside of a loop");
                }
                next();
                expect(Kind.BLOCK_END, "'%}'");
                yield t.text().equals("break") ? new Stmt.Break() : new Stmt.Continue();
            }
            case "include", "import", "from", "extends", "block", "call", "with", "autoescape" ->
                    throw error("'" + t.text() + "' is not supported in chat templates");
            default -> throw error("unknown tag '" + t.text() + "'");
        };
    }

    /** Consumes an end tag's name and its {@code %}}. */
    private void endTag() {
        next();
        expect(Kind.BLOCK_END, "'%}'");
    }

    private Stmt parseIf() {
        next();
        List<Stmt.Branch> branches = new ArrayList<>();
        List<Stmt> orElse = List.of();
        Expr test = parseTuple(false, Set.of(), false);
        expect(Kind.BLOCK_END, "'%}'");
        while (true) {
            List<Stmt> body = subparse(Set.of("elif", "else", "endif"));
            branches.add(new Stmt.Branch(test, body));
            Token tag = next();
            if (tag.isName("elif")) {
                test = parseTuple(false, Set.of(), false);
                expect(Kind.BLOCK_END, "'%}'");
                continue;
            }
            expect(Kind.BLOCK_END, "'%}'");
            if (tag.isName("else")) {
                orElse = subparse(Set.of("endif"));
                endTag();
            }
            return new Stmt.If(branches, orElse);
        }
    }

    private Stmt parseFor() {
        int line = next().line();
        Stmt.Target target = assignTarget(false);
        expectName("in");
        Expr iterable = parseTuple(false, Set.of("recursive"), false);
        Expr filter = skipName("if") ? parseExpression() : null;
        if (peek().isName("recursive")) {
            throw error("recursive loops are not supported");
        }
        expect(Kind.BLOCK_END, "'%}'");
        loops++;
        List<Stmt> body = subparse(Set.of("endfor", "else"));
        loops--;
        List<Stmt> orElse = List.of();
        if (next().isName("else")) {
            expect(Kind.BLOCK_END, "'%}'");
            orElse = subparse(Set.of("endfor"));
            next();
        }
        expect(Kind.BLOCK_END, "'%}'");
        return new Stmt.For(target, iterable, filter, body, orElse, line);
    }

    private Stmt parseSet() {
        int line = next().line();
        Stmt.Target target = assignTarget(true);
        if (skipOp("=")) {
            Expr value = parseTuple(true, Set.of(), false);
            expect(Kind.BLOCK_END, "'%}'");
            return new Stmt.Set(target, value, line);
        }
        Expr filter = peek().isOp("|") ? parseFilter(null, false) : null;
        expect(Kind.BLOCK_END, "'%}'");
        List<Stmt> body = subparse(Set.of("endset"));
        endTag();
        return new Stmt.SetBlock(target, filter, body, line);
    }

    private Stmt.Target assignTarget(boolean withNamespace) {
        if (withNamespace && peek().kind() == Kind.NAME && peek(1).isOp(".")) {
            String ns = next().text();
            next();
            return new Stmt.AttrTarget(ns, expect(Kind.NAME, "attribute name").text());
        }
        List<Stmt.Target> names = new ArrayList<>();
        boolean parens = skipOp("(");
        do {
            if (peek().isOp("(")) {
                names.add(assignTarget(false));
            } else {
                String name = expect(Kind.NAME, "variable name").text();
                if (Set.of("true", "false", "none", "True", "False", "None").contains(name)) {
                    throw error("cannot assign to '" + name + "'");
                }
                names.add(new Stmt.NameTarget(name));
            }
        } while (skipOp(",") && !peek().isName("in") && !peek().isOp("=") && !peek().isOp(")"));
        if (parens) {
            expectOp(")");
        }
        return names.size() == 1 && !parens ? names.getFirst() : new Stmt.TupleTarget(names);
    }

    private Stmt parseMacro() {
        next();
        String name = expect(Kind.NAME, "macro name").text();
        List<Stmt.Param> params = new ArrayList<>();
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            String param = expect(Kind.NAME, "parameter name").text();
            params.add(new Stmt.Param(param, skipOp("=") ? parseExpression() : null));
        }
        expectOp(")");
        expect(Kind.BLOCK_END, "'%}'");
        List<Stmt> body = subparse(Set.of("endmacro"));
        next();
        if (peek().kind() == Kind.NAME) {
            next();
        }
        expect(Kind.BLOCK_END, "'%}'");
        return new Stmt.Macro(name, params, body);
    }

    private Stmt parseFilterBlock() {
        next();
        Expr filter = parseFilter(null, true);
        expect(Kind.BLOCK_END, "'%}'");
        List<Stmt> body = subparse(Set.of("endfilter"));
        endTag();
        return new Stmt.FilterBlock(filter, body);
    }

    // ---- expressions, lowest precedence first

    private Expr parseExpression() {
        return parseConditional();
    }

    /** Expressions separated by commas (a tuple when there is a comma), as Jinja's parse_tuple. */
    private Expr parseTuple(boolean withConditional, Set<String> extraEnd, boolean explicitParens) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOp(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            items.add(withConditional ? parseConditional() : parseOr());
            if (peek().isOp(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.getFirst();
            }
            if (!explicitParens) {
                throw error("expected an expression, got '" + peek().text() + "'");
            }
        }
        return new Expr.TupleLiteral(items);
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = peek();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.kind() == Kind.EOF || t.isOp(")")
                || (t.kind() == Kind.NAME && extraEnd.contains(t.text()));
    }

    private Expr parseConditional() {
        Expr expr = parseOr();
        while (skipName("if")) {
            Expr test = parseOr();
            Expr orElse = skipName("else") ? parseConditional() : null;
            expr = new Expr.Conditional(test, expr, orElse);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Expr.Or(left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipName("and")) {
            left = new Expr.And(left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (skipName("not")) {
            enter();
            Expr operand = parseNot();
            nesting--;
            return new Expr.Not(operand);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<Expr.Operand> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            CompareOp op = null;
            if (t.kind() == Kind.OPERATOR) {
                op = switch (t.text()) {
                    case "==" -> CompareOp.EQ;
                    case "!=" -> CompareOp.NE;
                    case "<" -> CompareOp.LT;
                    case "<=" -> CompareOp.LE;
                    case ">" -> CompareOp.GT;
                    case ">=" -> CompareOp.GE;
                    default -> null;
                };
                if (op != null) {
                    next();
                }
            } else if (t.isName("in")) {
                next();
                op = CompareOp.IN;
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                op = CompareOp.NOT_IN;
            }
            if (op == null) {
                break;
            }
            rest.add(new Expr.Operand(op, parseMath1()));
        }
        return rest.isEmpty() ? first : new Expr.Compare(first, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.text().equals("+") ? Arith.ADD : Arith.SUB, left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (skipOp("~")) {
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.getFirst() : new Expr.Concat(parts);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (true) {
            Token t = peek();
            Arith op = t.kind() != Kind.OPERATOR ? null : switch (t.text()) {
                case "*" -> Arith.MUL;
                case "/" -> Arith.DIV;
                case "//" -> Arith.FLOORDIV;
                case "%" -> Arith.MOD;
                default -> null;
            };
            if (op == null) {
                return left;
            }
            next();
            left = new Expr.Binary(op, left, parsePow(), t.line());
        }
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            int line = next().line();
            left = new Expr.Binary(Arith.POW, left, parseUnary(true), line);
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        enter();
        Token t = peek();
        Expr node;
        if (t.isOp("-")) {
            next();
            node = new Expr.Negate(parseUnary(false), t.line());
        } else if (t.isOp("+")) {
            next();
            node = new Expr.Plus(parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        nesting--;
        return node;
    }

    private Expr parsePrimary() {
        Token t = next();
        return switch (t.kind()) {
            case NAME -> switch (t.text()) {
                case "true", "True" -> new Expr.Const(Boolean.TRUE);
                case "false", "False" -> new Expr.Const(Boolean.FALSE);
                case "none", "None" -> new Expr.Const(null);
                default -> new Expr.Name(t.text(), t.line());
            };
            case STRING -> {
                StringBuilder text = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) {
                    text.append(next().text());
                }
                yield new Expr.Const(Str.of(text.toString()));
            }
            case INTEGER -> {
                try {
                    yield new Expr.Const(Long.parseLong(t.text()));
                } catch (NumberFormatException tooBig) {
                    yield new Expr.Const(Double.parseDouble(t.text()));
                }
            }
            case FLOAT -> new Expr.Const(Double.parseDouble(t.text()));
            case OPERATOR -> switch (t.text()) {
                case "(" -> {
                    Expr inner = parseTuple(true, Set.of(), true);
                    expectOp(")");
                    yield inner;
                }
                case "[" -> parseList();
                case "{" -> parseDict();
                default -> throw error("unexpected '" + t.text() + "'");
            };
            default -> throw error("unexpected " + describe(t));
        };
    }

    private Expr parseList() {
        List<Expr> items = new ArrayList<>();
        while (!peek().isOp("]")) {
            if (!items.isEmpty()) {
                expectOp(",");
                if (peek().isOp("]")) {
                    break;
                }
            }
            items.add(parseExpression());
        }
        expectOp("]");
        return new Expr.ListLiteral(items);
    }

    private Expr parseDict() {
        List<Expr.Pair> pairs = new ArrayList<>();
        while (!peek().isOp("}")) {
            if (!pairs.isEmpty()) {
                expectOp(",");
                if (peek().isOp("}")) {
                    break;
                }
            }
            Expr key = parseExpression();
            expectOp(":");
            pairs.add(new Expr.Pair(key, parseExpression()));
        }
        expectOp("}");
        return new Expr.DictLiteral(pairs);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token attr = next();
                if (attr.kind() == Kind.NAME) {
                    node = new Expr.GetAttr(node, attr.text(), t.line());
                } else if (attr.kind() == Kind.INTEGER) {
                    node = new Expr.GetItem(node, new Expr.Const(Long.parseLong(attr.text())), t.line());
                } else {
                    throw error("expected name or number after '.'");
                }
            } else if (t.isOp("[")) {
                next();
                List<Expr> keys = new ArrayList<>();
                while (!peek().isOp("]")) {
                    if (!keys.isEmpty()) {
                        expectOp(",");
                    }
                    keys.add(parseSubscribed());
                }
                expectOp("]");
                node = new Expr.GetItem(node, keys.size() == 1 ? keys.getFirst() : new Expr.TupleLiteral(keys),
                        t.line());
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = parseExpression();
            if (!peek().isOp(":")) {
                return start;
            }
        }
        next();
        Expr stop = peek().isOp(":") || peek().isOp("]") || peek().isOp(",") ? null : parseExpression();
        Expr step = null;
        if (skipOp(":") && !peek().isOp("]") && !peek().isOp(",")) {
            step = parseExpression();
        }
        return new Expr.Slice(start, stop, step);
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                node = parseFilter(node, false);
            } else if (t.isName("is")) {
                node = parseTest(node);
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private record CallArgs(List<Expr> args, List<Expr.Keyword> kwargs, Expr star, Expr starStar) {}

    private CallArgs parseCallArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<Expr.Keyword> kwargs = new ArrayList<>();
        Expr star = null;
        Expr starStar = null;
        boolean needComma = false;
        while (!peek().isOp(")")) {
            if (needComma) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            if (skipOp("*")) {
                star = parseExpression();
            } else if (skipOp("**")) {
                starStar = parseExpression();
            } else if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                String name = next().text();
                next();
                kwargs.add(new Expr.Keyword(name, parseExpression()));
            } else {
                if (!kwargs.isEmpty() || star != null || starStar != null) {
                    throw error("positional argument after keyword argument");
                }
                args.add(parseExpression());
            }
            needComma = true;
        }
        expectOp(")");
        return new CallArgs(args, kwargs, star, starStar);
    }

    private Expr parseCall(Expr function) {
        int line = peek().line();
        CallArgs a = parseCallArgs();
        return new Expr.Call(function, a.args(), a.kwargs(), a.star(), a.starStar(), line);
    }

    /** One or more {@code | name(args)}; with {@code startInline} the first bar is absent (filter blocks). */
    private Expr parseFilter(Expr node, boolean startInline) {
        while (peek().isOp("|") || startInline) {
            if (!startInline) {
                next();
            }
            startInline = false;
            Token name = expect(Kind.NAME, "filter name");
            String fullName = dottedName(name.text());
            List<Expr> args = List.of();
            List<Expr.Keyword> kwargs = List.of();
            if (peek().isOp("(")) {
                CallArgs a = parseCallArgs();
                args = a.args();
                kwargs = a.kwargs();
            }
            node = new Expr.Filter(node, fullName, args, kwargs, name.line());
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        int line = next().line();
        boolean negated = skipName("not");
        String name = dottedName(expect(Kind.NAME, "test name").text());
        List<Expr> args = List.of();
        List<Expr.Keyword> kwargs = List.of();
        Token t = peek();
        if (t.isOp("(")) {
            CallArgs a = parseCallArgs();
            args = a.args();
            kwargs = a.kwargs();
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw error("you cannot chain multiple tests with is");
            }
            args = List.of(parsePostfix(parsePrimary()));
        }
        Expr test = new Expr.Test(node, name, args, kwargs, line);
        return negated ? new Expr.Not(test) : test;
    }

    private String dottedName(String first) {
        StringBuilder name = new StringBuilder(first);
        while (peek().isOp(".")) {
            next();
            name.append('.').append(expect(Kind.NAME, "name").text());
        }
        return name.toString();
    }

    // ---- token helpers

    private void enter() {
        if (++nesting > MAX_NESTING) {
            throw error("expression nested too deeply");
        }
    }

    private Token peek() {
        return tokens.get(Math.min(pos, tokens.size() - 1));
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = peek();
        if (pos < tokens.size() - 1) {
            pos++;
        }
        return t;
    }

    private Token expect(Kind kind, String what) {
        Token t = peek();
        if (t.kind() != kind) {
            throw error("expected " + what + ", got " + describe(t));
        }
        return next();
    }

    private void expectOp(String op) {
        if (!skipOp(op)) {
            throw error("expected '" + op + "', got " + describe(peek()));
        }
    }

    private void expectName(String name) {
        if (!skipName(name)) {
            throw error("expected '" + name + "', got " + describe(peek()));
        }
    }

    private boolean skipOp(String op) {
        if (peek().isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (peek().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of template";
            case VAR_END -> "end of print statement";
            case BLOCK_END -> "end of statement block";
            case TEXT -> "template text";
            default -> "'" + t.text() + "'";
        };
    }

    private TemplateException error(String message) {
        return Lexer.error(peek().line(), message);
    }
}
