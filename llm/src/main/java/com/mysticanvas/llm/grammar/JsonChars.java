package com.mysticanvas.llm.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for characters of a string value as they appear inside a JSON string literal: most characters as
 * themselves, the quote and backslash escaped, control characters as {@code \n}-style or &#92;u00XX
 * escapes. Also GBNF literal and class formatting.
 */
final class JsonChars {
    private JsonChars() {}

    /** One value character, JSON-encoded. */
    static String literal(int cp) {
        return switch (cp) {
            case '"' -> gbnfLiteral("\\\"");
            case '\\' -> gbnfLiteral("\\\\");
            case '\n' -> gbnfLiteral("\\n");
            case '\r' -> gbnfLiteral("\\r");
            case '\t' -> gbnfLiteral("\\t");
            case '\b' -> gbnfLiteral("\\b");
            case '\f' -> gbnfLiteral("\\f");
            default -> needsUnicodeEscape(cp)
                    ? gbnfLiteral("\\u00") + " " + hexDigit(cp >> 4) + " " + hexDigit(cp & 0xf)
                    : gbnfLiteral(new String(Character.toChars(cp)));
        };
    }

    private static boolean needsUnicodeEscape(int cp) {
        return cp < 0x20 || cp == 0x7f;
    }

    /** A hex digit as JSON allows it: either case. */
    private static String hexDigit(int v) {
        char lower = Character.forDigit(v, 16);
        char upper = Character.toUpperCase(lower);
        return lower == upper ? "[" + lower + "]" : "[" + lower + upper + "]";
    }

    /** Any one value character within the inclusive code-point ranges. */
    static String anyOf(int[] ranges) {
        List<Integer> plain = new ArrayList<>();
        List<String> alts = new ArrayList<>();
        for (int i = 0; i < ranges.length; i += 2) {
            int lo = ranges[i];
            int hi = ranges[i + 1];
            // characters that need escaping all lie below 0x80: walk that part one by one
            int runStart = -1;
            for (int c = lo; c <= Math.min(hi, 0x7f); c++) {
                if (isSpecial(c)) {
                    if (runStart >= 0) {
                        plain.add(runStart);
                        plain.add(c - 1);
                        runStart = -1;
                    }
                    alts.add(literal(c));
                } else if (runStart < 0) {
                    runStart = c;
                }
            }
            if (runStart >= 0) {
                plain.add(runStart);
                plain.add(Math.min(hi, 0x7f));
            }
            if (hi > 0x7f) {
                plain.add(Math.max(lo, 0x80));
                plain.add(hi);
            }
        }
        if (!plain.isEmpty()) {
            alts.addFirst(gbnfClass(plain, false));
        }
        if (alts.isEmpty()) {
            throw new PatternGrammar.UnsupportedPatternException("empty character class");
        }
        return alts.size() == 1 ? alts.getFirst() : "(" + String.join(" | ", alts) + ")";
    }

    /** Any one value character outside the ranges (never an arbitrary escape, so the value is known). */
    static String anyExcept(int[] ranges) {
        List<Integer> excluded = new ArrayList<>();
        for (int r : ranges) {
            excluded.add(r);
        }
        for (int c : new int[] {'"', '"', '\\', '\\', 0, 0x1f, 0x7f, 0x7f}) {
            excluded.add(c);
        }
        List<String> alts = new ArrayList<>();
        alts.add(gbnfClass(excluded, true));
        for (int c : new int[] {'"', '\\', '\n', '\r', '\t'}) {
            if (!inRanges(c, ranges)) {
                alts.add(literal(c));
            }
        }
        return "(" + String.join(" | ", alts) + ")";
    }

    private static boolean inRanges(int c, int[] ranges) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (c >= ranges[i] && c <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSpecial(int c) {
        return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
    }

    /** {@code [...]} from inclusive range pairs, every non-alphanumeric character written as a hex escape. */
    static String gbnfClass(List<Integer> ranges, boolean negated) {
        StringBuilder b = new StringBuilder("[");
        if (negated) {
            b.append('^');
        }
        for (int i = 0; i < ranges.size(); i += 2) {
            b.append(classChar(ranges.get(i)));
            if (!ranges.get(i).equals(ranges.get(i + 1))) {
                b.append('-').append(classChar(ranges.get(i + 1)));
            }
        }
        return b.append(']').toString();
    }

    private static String classChar(int cp) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
            return String.valueOf((char) cp);
        }
        if (cp <= 0xff) {
            return String.format("\\x%02X", cp);
        }
        return cp <= 0xffff ? String.format("\\u%04X", cp) : String.format("\\U%08X", cp);
    }

    /** A GBNF string literal matching exactly {@code text}. */
    static String gbnfLiteral(String text) {
        StringBuilder b = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02X", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
