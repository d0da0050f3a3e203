package com.mysticanvas.llm.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Translates a JSON Schema {@code pattern} (an ECMA-262 regular expression on the string's value) into GBNF
 * over the JSON-encoded string content: a quote or backslash in the value appears escaped in the JSON text,
 * control characters as {@code \n}-style escapes. Supported: literals and escapes, classes ({@code [a-z]},
 * negated, {@code \d \w \s} and their negations), {@code .}, groups (capturing, {@code (?:)}, named),
 * alternation, the quantifiers {@code * + ? {n} {n,} {n,m}} (lazy ones behave the same in a grammar), and
 * {@code ^}/{@code $} at the ends. A pattern without {@code ^} (or {@code $}) may have anything before (or
 * after) the match, as the JSON Schema spec says. Lookarounds, back references and word boundaries have no
 * grammar equivalent and are refused with {@link UnsupportedPatternException}.
 */
final class PatternGrammar {
    /** A pattern this translator cannot express; the message says why. */
    static final class UnsupportedPatternException extends RuntimeException {
        UnsupportedPatternException(String message) {
            super(message);
        }
    }

    /** Adds helper rules (for repetitions) and returns a rule name; implemented by the schema converter. */
    interface Rules {
        String add(String nameHint, String body);

        /** Any JSON string character (the {@code char} rule). */
        String anyChar();
    }

    private static final int MAX_DEPTH = 50;

    private final String pattern;
    private final Rules rules;
    private final String name;
    private int pos;
    private int depth;

    private PatternGrammar(String pattern, Rules rules, String name) {
        this.pattern = pattern;
        this.rules = rules;
        this.name = name;
    }

    /** GBNF for the characters between the string's quotes. */
    static String translate(String pattern, Rules rules, String name) {
        return new PatternGrammar(pattern, rules, name).run();
    }

    private String run() {
        boolean anchoredStart = pattern.startsWith("^");
        if (anchoredStart) {
            pos = 1;
        }
        String body = alternation();
        boolean anchoredEnd = pos < pattern.length() && pattern.charAt(pos) == '$' && pos == pattern.length() - 1;
        if (anchoredEnd) {
            pos++;
        }
        if (pos < pattern.length()) {
            throw unsupported("'" + pattern.charAt(pos) + "' at position " + pos);
        }
        String any = rules.anyChar() + "*";
        return (anchoredStart ? "" : any + " ") + "(" + body + ")" + (anchoredEnd ? "" : " " + any);
    }

    private String alternation() {
        if (++depth > MAX_DEPTH) {
            throw unsupported("nesting deeper than " + MAX_DEPTH);
        }
        List<String> alts = new ArrayList<>();
        alts.add(sequence());
        while (pos < pattern.length() && pattern.charAt(pos) == '|') {
            pos++;
            alts.add(sequence());
        }
        depth--;
        return String.join(" | ", alts);
    }

    private String sequence() {
        List<String> items = new ArrayList<>();
        while (pos < pattern.length()) {
            char c = pattern.charAt(pos);
            if (c == '|' || c == ')') {
                break;
            }
            if (c == '$') {
                if (pos == pattern.length() - 1) {
                    break;
                }
                throw unsupported("'$' only at the end");
            }
            if (c == '^') {
                throw unsupported("'^' only at the start");
            }
            String atom = atom();
            items.add(quantified(atom));
        }
        return items.isEmpty() ? "\"\"" : String.join(" ", items);
    }

    private String atom() {
        char c = pattern.charAt(pos);
        switch (c) {
            case '(' -> {
                pos++;
                if (pattern.startsWith("?:", pos)) {
                    pos += 2;
                } else if (pattern.startsWith("?<", pos) && pos + 2 < pattern.length()
                        && pattern.charAt(pos + 2) != '=' && pattern.charAt(pos + 2) != '!') {
                    int close = pattern.indexOf('>', pos);
                    if (close < 0) {
                        throw unsupported("unterminated group name");
                    }
                    pos = close + 1;
                } else if (pos < pattern.length() && pattern.charAt(pos) == '?') {
                    throw unsupported("lookarounds and other (?...) groups");
                }
                String inner = alternation();
                if (pos >= pattern.length() || pattern.charAt(pos) != ')') {
                    throw unsupported("unbalanced parenthesis");
                }
                pos++;
                return "(" + inner + ")";
            }
            case '[' -> {
                return charClass();
            }
            case '.' -> {
                pos++;
                return JsonChars.anyExcept(new int[] {'\n', '\n', '\r', '\r', 0x2028, 0x2029});
            }
            case '\\' -> {
                return escape(false).grammar();
            }
            case '*', '+', '?', '{' -> throw unsupported("quantifier '" + c + "' without anything to repeat");
            default -> {
                int cp = pattern.codePointAt(pos);
                pos += Character.charCount(cp);
                return JsonChars.literal(cp);
            }
        }
    }

    /** An escape: a single character (with {@code codePoint}) or a class shorthand (ranges). */
    private record Escape(String grammar, int codePoint, int[] ranges, boolean negated) {}

    private Escape escape(boolean inClass) {
        pos++;
        if (pos >= pattern.length()) {
            throw unsupported("pattern ends with a backslash");
        }
        char e = pattern.charAt(pos++);
        int[] ranges = switch (e) {
            case 'd', 'D' -> new int[] {'0', '9'};
            case 'w', 'W' -> new int[] {'a', 'z', 'A', 'Z', '0', '9', '_', '_'};
            case 's', 'S' -> new int[] {' ', ' ', '\t', '\r', 0x0b, 0x0c};
            default -> null;
        };
        if (ranges != null) {
            boolean negated = Character.isUpperCase(e);
            String g = negated ? JsonChars.anyExcept(ranges) : JsonChars.anyOf(ranges);
            return new Escape(g, -1, ranges, negated);
        }
        int cp = switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'f' -> '\f';
            case 'v' -> 0x0b;
            case '0' -> 0;
            case 'x' -> hex(2);
            case 'u' -> hex(4);
            case 'b' -> {
                if (inClass) {
                    yield '\b';
                }
                throw unsupported("word boundaries (\\b)");
            }
            case 'B' -> throw unsupported("word boundaries (\\B)");
            case 'p', 'P' -> throw unsupported("unicode property escapes (\\" + e + ")");
            case 'k' -> throw unsupported("back references");
            default -> {
                if (Character.isDigit(e)) {
                    throw unsupported("back references");
                }
                if (Character.isLetter(e)) {
                    throw unsupported("unknown escape \\" + e);
                }
                yield e;
            }
        };
        return new Escape(JsonChars.literal(cp), cp, null, false);
    }

    private int hex(int digits) {
        if (pos + digits > pattern.length()) {
            throw unsupported("incomplete hex escape");
        }
        try {
            int v = Integer.parseInt(pattern.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException ex) {
            throw unsupported("bad hex escape");
        }
    }

    private String charClass() {
        pos++;
        boolean negated = pos < pattern.length() && pattern.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        List<Integer> ranges = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (pos >= pattern.length()) {
                throw unsupported("unterminated character class");
            }
            char c = pattern.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            int low;
            if (c == '\\') {
                Escape esc = escape(true);
                if (esc.ranges() != null) {
                    if (esc.negated()) {
                        if (negated) {
                            throw unsupported("negated shorthand inside a negated class");
                        }
                        extra.add(esc.grammar());
                    } else {
                        for (int r : esc.ranges()) {
                            ranges.add(r);
                        }
                    }
                    continue;
                }
                low = esc.codePoint();
            } else {
                low = pattern.codePointAt(pos);
                pos += Character.charCount(low);
            }
            int high = low;
            if (pos + 1 < pattern.length() && pattern.charAt(pos) == '-' && pattern.charAt(pos + 1) != ']') {
                pos++;
                if (pattern.charAt(pos) == '\\') {
                    Escape esc = escape(true);
                    if (esc.ranges() != null) {
                        throw unsupported("class shorthand as a range end");
                    }
                    high = esc.codePoint();
                } else {
                    high = pattern.codePointAt(pos);
                    pos += Character.charCount(high);
                }
                if (high < low) {
                    throw unsupported("range out of order");
                }
            }
            ranges.add(low);
            ranges.add(high);
        }
        int[] r = ranges.stream().mapToInt(Integer::intValue).toArray();
        String set = negated ? JsonChars.anyExcept(r) : JsonChars.anyOf(r);
        if (extra.isEmpty()) {
            return set;
        }
        return "(" + (r.length > 0 ? set + " | " : "") + String.join(" | ", extra) + ")";
    }

    private String quantified(String atom) {
        if (pos >= pattern.length()) {
            return atom;
        }
        char c = pattern.charAt(pos);
        long min;
        long max;
        switch (c) {
            case '*' -> {
                min = 0;
                max = -1;
                pos++;
            }
            case '+' -> {
                min = 1;
                max = -1;
                pos++;
            }
            case '?' -> {
                min = 0;
                max = 1;
                pos++;
            }
            case '{' -> {
                int close = pattern.indexOf('}', pos);
                String spec = close < 0 ? "" : pattern.substring(pos + 1, close);
                if (!spec.matches("\\d+(,\\d*)?")) {
                    // not a quantifier: ECMA treats a lone '{' as a literal
                    return atom;
                }
                String[] parts = spec.split(",", -1);
                min = Long.parseLong(parts[0]);
                max = parts.length == 1 ? min : parts[1].isEmpty() ? -1 : Long.parseLong(parts[1]);
                if (max >= 0 && max < min) {
                    throw unsupported("quantifier {" + spec + "} out of order");
                }
                pos = close + 1;
            }
            default -> {
                return atom;
            }
        }
        if (pos < pattern.length() && pattern.charAt(pos) == '?') {
            pos++; // lazy: same set of strings
        }
        if (pos < pattern.length() && "*+?{".indexOf(pattern.charAt(pos)) >= 0 && pattern.charAt(pos) != '{') {
            throw unsupported("nested quantifier");
        }
        String item = rules.add(name + "-item", atom);
        return Repetition.of(item, min, max, rules::add, name);
    }

    private UnsupportedPatternException unsupported(String what) {
        return new UnsupportedPatternException("pattern '" + pattern + "' is not supported: " + what);
    }
}
