package com.mysticanvas.sd.tokenizer;

import com.mysticanvas.core.Problem;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's emphasis syntax: {@code (text)} multiplies by 1.1, {@code [text]} divides by 1.1,
 * {@code (text:1.5)} sets a factor, brackets nest and multiply, {@code \( \) \[ \] \\} are literal, an
 * unclosed bracket applies to the rest of the prompt, and the word {@code BREAK} ends a 75-token window.
 * Same results as A1111's {@code parse_prompt_attention}, runs of equal weight merged.
 */
public final class PromptAttention {
    static final double ROUND = 1.1;
    static final double SQUARE = 1 / 1.1;
    private static final Pattern TOKENS = Pattern.compile(
            "\\\\\\(|\\\\\\)|\\\\\\[|\\\\]|\\\\\\\\|\\\\|\\(|\\[|:\\s*([+-]?[.0-9]+)\\s*\\)|\\)|]|[^\\\\()\\[\\]:]+|:",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern BREAK = Pattern.compile("\\s*\\bBREAK\\b\\s*", Pattern.UNICODE_CHARACTER_CLASS);

    /** A piece of the prompt: text with its weight, or a window break. */
    public sealed interface Segment {}

    public record Text(String text, double weight) implements Segment {}

    public record Break() implements Segment {}

    private PromptAttention() {}

    public static List<Segment> parse(String prompt) {
        List<String> texts = new ArrayList<>();
        List<Double> weights = new ArrayList<>(); // null marks a BREAK
        Deque<Integer> round = new ArrayDeque<>();
        Deque<Integer> square = new ArrayDeque<>();
        Matcher m = TOKENS.matcher(prompt);
        while (m.find()) {
            String token = m.group();
            String weight = m.group(1);
            if (token.startsWith("\\")) {
                texts.add(token.substring(1));
                weights.add(1.0);
            } else if (token.equals("(")) {
                round.push(texts.size());
            } else if (token.equals("[")) {
                square.push(texts.size());
            } else if (weight != null && !round.isEmpty()) {
                multiply(weights, round.pop(), parseWeight(weight, token));
            } else if (token.equals(")") && !round.isEmpty()) {
                multiply(weights, round.pop(), ROUND);
            } else if (token.equals("]") && !square.isEmpty()) {
                multiply(weights, square.pop(), SQUARE);
            } else {
                String[] parts = BREAK.split(token, -1);
                for (int i = 0; i < parts.length; i++) {
                    if (i > 0) {
                        texts.add("BREAK");
                        weights.add(null);
                    }
                    texts.add(parts[i]);
                    weights.add(1.0);
                }
            }
        }
        // Unclosed brackets apply to the rest of the prompt, outermost first as A1111 does (the order
        // of multiplication decides the last bit, and equal weights are merged by exact comparison).
        round.descendingIterator().forEachRemaining(start -> multiply(weights, start, ROUND));
        square.descendingIterator().forEachRemaining(start -> multiply(weights, start, SQUARE));
        return merged(texts, weights);
    }

    private static double parseWeight(String weight, String token) {
        try {
            return Double.parseDouble(weight);
        } catch (NumberFormatException e) {
            throw Problem.badInput("prompt weight '" + weight + "' in '" + token.strip() + "' is not a number");
        }
    }

    private static void multiply(List<Double> weights, int from, double factor) {
        for (int i = from; i < weights.size(); i++) {
            if (weights.get(i) != null) {
                weights.set(i, weights.get(i) * factor);
            }
        }
    }

    private static List<Segment> merged(List<String> texts, List<Double> weights) {
        List<Segment> out = new ArrayList<>();
        StringBuilder run = null;
        Double runWeight = null;
        for (int i = 0; i < texts.size(); i++) {
            Double w = weights.get(i);
            if (w == null) {
                if (run != null) {
                    out.add(new Text(run.toString(), runWeight));
                    run = null;
                }
                out.add(new Break());
            } else if (run != null && w.equals(runWeight)) {
                run.append(texts.get(i));
            } else {
                if (run != null) {
                    out.add(new Text(run.toString(), runWeight));
                }
                run = new StringBuilder(texts.get(i));
                runWeight = w;
            }
        }
        if (run != null) {
            out.add(new Text(run.toString(), runWeight));
        }
        if (out.isEmpty()) {
            out.add(new Text("", 1.0));
        }
        return out;
    }
}
