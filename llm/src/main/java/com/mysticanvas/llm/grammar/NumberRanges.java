package com.mysticanvas.llm.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for JSON numbers within bounds. Integers: every value in [min, max] written canonically (no leading
 * zeros), found by splitting the range into runs of equal digit count and those into digit-by-digit classes.
 * Numbers with fractions: the integral part is ranged the same way, and at a bound the fraction is restricted
 * (all zeros where the bound is inclusive, at least one non-zero digit where the integral part equals an
 * exclusive bound). Unbounded sides are capped at 16 digits, as llama.cpp's own number rule.
 */
final class NumberRanges {
    static final int MAX_DIGITS = 16;
    static final String FRACTION = "(\".\" [0-9]{1,16})";
    private static final String ZERO_FRACTION = "(\".\" [0]{1,16})";
    private static final String NONZERO_FRACTION = "(\".\" [0-9]{0,15} [1-9] [0-9]{0,15})";

    private NumberRanges() {}

    /** Integers in [min, max]; null means unbounded. */
    static String integers(Long min, Long max) {
        List<String> alts = new ArrayList<>();
        if (min == null || min < 0) {
            // negative values: magnitudes in [max(1, -max), -min]
            Long magnitudeMax = min == null ? null : -min;
            long magnitudeMin = max != null && max < 0 ? -max : 1;
            if (magnitudeMax == null || magnitudeMin <= magnitudeMax) {
                alts.add("\"-\" (" + naturals(magnitudeMin, magnitudeMax) + ")");
            }
        }
        if (max == null || max >= 0) {
            long low = min == null ? 0 : Math.max(0, min);
            if (max == null || low <= max) {
                alts.add(naturals(low, max));
            }
        }
        if (alts.isEmpty()) {
            throw new IllegalArgumentException("no integer lies between the bounds");
        }
        return String.join(" | ", alts);
    }

    /**
     * Numbers (with optional fraction, no exponent) between whole-number bounds; null means unbounded.
     * {@code minExclusive}/{@code maxExclusive} make the bound itself invalid.
     */
    static String decimals(Long min, boolean minExclusive, Long max, boolean maxExclusive) {
        List<String> alts = new ArrayList<>();
        boolean positiveSide = max == null || max > 0 || (max == 0 && !maxExclusive);
        if (positiveSide) {
            long low = min == null || min < 0 ? 0 : min;
            boolean lowExclusive = min != null && min >= 0 && minExclusive;
            alts.addAll(side(low, lowExclusive, max, maxExclusive));
        }
        boolean negativeSide = min == null || min < 0;
        if (negativeSide) {
            long low = max != null && max <= 0 ? -max : 0;
            boolean lowExclusive = max != null && max <= 0 && maxExclusive;
            Long high = min == null ? null : -min;
            for (String alt : side(low, lowExclusive, high, minExclusive)) {
                alts.add("\"-\" " + alt);
            }
        }
        if (alts.isEmpty()) {
            throw new IllegalArgumentException("no number lies between the bounds");
        }
        return String.join(" | ", alts);
    }

    /** Magnitudes from low to high (null: unbounded), as integral part plus fraction. */
    private static List<String> side(long low, boolean lowExclusive, Long high, boolean highExclusive) {
        List<String> alts = new ArrayList<>();
        if (high != null && low > high) {
            return alts;
        }
        if (high != null && low == high) {
            if (!lowExclusive && !highExclusive) {
                alts.add("\"" + low + "\" " + ZERO_FRACTION + "?");
            }
            return alts;
        }
        // the integral part equal to low
        alts.add("\"" + low + "\" " + (lowExclusive ? NONZERO_FRACTION : FRACTION + "?"));
        // integral parts strictly between
        long fromMid = low + 1;
        if (high == null) {
            alts.add("(" + naturals(fromMid, null) + ") " + FRACTION + "?");
        } else {
            if (fromMid <= high - 1) {
                alts.add("(" + naturals(fromMid, high - 1) + ") " + FRACTION + "?");
            }
            if (!highExclusive) {
                alts.add("\"" + high + "\" " + ZERO_FRACTION + "?");
            }
        }
        return alts;
    }

    /** Non-negative integers in [low, high] (high null: up to 16 digits or low's length). */
    static String naturals(long low, Long high) {
        String lo = Long.toString(low);
        List<String> alts = new ArrayList<>();
        if (high == null) {
            int maxLen = Math.max(MAX_DIGITS, lo.length());
            alts.add(sameLength(lo, "9".repeat(lo.length())));
            if (lo.length() < maxLen) {
                alts.add("[1-9] [0-9]{" + lo.length() + "," + (maxLen - 1) + "}");
            }
            return String.join(" | ", alts);
        }
        String hi = Long.toString(high);
        for (int len = lo.length(); len <= hi.length(); len++) {
            String from = len == lo.length() ? lo : "1" + "0".repeat(len - 1);
            String to = len == hi.length() ? hi : "9".repeat(len);
            alts.add(sameLength(from, to));
        }
        return String.join(" | ", alts);
    }

    /** Digit strings of equal length from {@code from} to {@code to} (inclusive). */
    private static String sameLength(String from, String to) {
        int n = from.length();
        int common = 0;
        while (common < n && from.charAt(common) == to.charAt(common)) {
            common++;
        }
        String prefix = common > 0 ? "\"" + from.substring(0, common) + "\"" : "";
        if (common == n) {
            return prefix;
        }
        char a = from.charAt(common);
        char b = to.charAt(common);
        int rest = n - common - 1;
        if (rest == 0) {
            return join(prefix, digits(a, b));
        }
        String fromRest = from.substring(common + 1);
        String toRest = to.substring(common + 1);
        boolean fromAllZeros = fromRest.chars().allMatch(c -> c == '0');
        boolean toAllNines = toRest.chars().allMatch(c -> c == '9');
        List<String> alts = new ArrayList<>();
        char midLow = fromAllZeros ? a : (char) (a + 1);
        char midHigh = toAllNines ? b : (char) (b - 1);
        if (!fromAllZeros) {
            alts.add(join(digits(a, a), "(" + sameLength(fromRest, "9".repeat(rest)) + ")"));
        }
        if (midLow <= midHigh) {
            alts.add(join(digits(midLow, midHigh), "[0-9]" + (rest > 1 ? "{" + rest + "}" : "")));
        }
        if (!toAllNines) {
            alts.add(join(digits(b, b), "(" + sameLength("0".repeat(rest), toRest) + ")"));
        }
        String body = alts.size() == 1 ? alts.getFirst() : "(" + String.join(" | ", alts) + ")";
        return join(prefix, body);
    }

    private static String digits(char a, char b) {
        return a == b ? "[" + a + "]" : "[" + a + "-" + b + "]";
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + " " + b;
    }
}
