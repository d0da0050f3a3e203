package com.mysticanvas.sd.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's prompt editing and alternation ({@code prompt_parser.get_learned_conditioning_prompt_schedules}): a prompt
 * becomes the texts to condition on and the last step of each. {@code [from:to:when]} is {@code from} up to step
 * {@code when}, then {@code to}; {@code [to:when]} adds {@code to} after it and {@code [from::when]} removes
 * {@code from}; a {@code when} with a decimal point is a fraction of the steps, without one a step number (A1111's
 * current rule: step n ends after the n-th step). {@code [a|b|c]} alternates, a different option every step.
 * Emphasis ({@code (a:1.2)}, {@code [a]}) passes through as text, for {@link PromptAttention}. A prompt that does
 * not parse (a stray {@code |} or an unclosed construct inside one) is used whole, unscheduled, as A1111 does.
 *
 * @param entries the texts, each with the last step (0-based model call, A1111's counting) it is used for, in order
 */
public record PromptSchedule(List<Entry> entries) {
    /** A text and the last step it conditions. */
    public record Entry(int endAtStep, String text) {}

    private static final Pattern NUMBER = Pattern.compile("\\s*([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?)\\s*]");

    public PromptSchedule {
        entries = List.copyOf(entries);
    }

    /** The text for step {@code step} (0-based): the first entry that lasts at least that long, else the last. */
    public String at(int step) {
        for (Entry e : entries) {
            if (step <= e.endAtStep()) {
                return e.text();
            }
        }
        return entries.getLast().text();
    }

    /** The schedule of {@code prompt} over {@code steps} steps. */
    public static PromptSchedule of(String prompt, int steps) {
        return of(prompt, new Clock(steps, 0, 0));
    }

    /**
     * The schedule of {@code prompt} in hires fix's second pass of {@code hiresSteps}, as A1111 counts it there: a
     * step number counts on from the first pass's {@code firstPassSteps}, a fraction runs from 1 to 2 over the
     * second pass (so a whole-run {@code [a:b:0.5]} is already {@code b}).
     */
    public static PromptSchedule ofHires(String prompt, int firstPassSteps, int hiresSteps) {
        return of(prompt, new Clock(hiresSteps, firstPassSteps, 1));
    }

    private static PromptSchedule of(String prompt, Clock clock) {
        List<Node> tree;
        try {
            Parser p = new Parser(prompt);
            tree = p.top();
        } catch (IllegalArgumentException unparsable) {
            return new PromptSchedule(List.of(new Entry(clock.steps(), prompt)));
        }
        TreeSet<Integer> ends = new TreeSet<>(List.of(clock.steps()));
        collect(tree, clock, ends);
        List<Entry> entries = new ArrayList<>();
        for (int end : ends) {
            StringBuilder text = new StringBuilder();
            render(tree, end, clock, text);
            entries.add(new Entry(end, text.toString()));
        }
        return new PromptSchedule(entries);
    }

    /** True when the prompt changes over the steps (it has editing or alternation that parsed). */
    public boolean scheduled() {
        return entries.size() > 1;
    }

    private sealed interface Node {}

    private record Text(String text) implements Node {}

    /** Emphasis, kept as written: its brackets around its parts, a colon between them. */
    private record Emphasis(char open, List<List<Node>> parts, char close) implements Node {}

    /** The steps a schedule spans and where its numbers start (A1111's int_offset and flt_offset). */
    private record Clock(int steps, int intOffset, double fractionOffset) {}

    private record Scheduled(List<Node> before, List<Node> after, String when) implements Node {
        /** The last step of {@code before}: a fraction of the steps with a decimal point, else a step number. */
        int end(Clock c) {
            double v = Double.parseDouble(when);
            double at = when.contains(".") ? (v - c.fractionOffset()) * c.steps() : v - c.intOffset();
            return (int) Math.min(c.steps(), (long) at); // truncated toward zero, as Python's int()
        }
    }

    private record Alternate(List<List<Node>> options) implements Node {}

    private static void collect(List<Node> nodes, Clock clock, TreeSet<Integer> ends) {
        for (Node n : nodes) {
            switch (n) {
                case Text t -> { }
                case Emphasis e -> e.parts().forEach(p -> collect(p, clock, ends));
                case Scheduled s -> {
                    if (s.end(clock) >= 1) {
                        ends.add(s.end(clock));
                    }
                    collect(s.before(), clock, ends);
                    collect(s.after(), clock, ends);
                }
                case Alternate a -> {
                    for (int i = 1; i <= clock.steps(); i++) {
                        ends.add(i);
                    }
                    a.options().forEach(o -> collect(o, clock, ends));
                }
            }
        }
    }

    private static void render(List<Node> nodes, int step, Clock clock, StringBuilder out) {
        for (Node n : nodes) {
            switch (n) {
                case Text t -> out.append(t.text());
                case Emphasis e -> {
                    out.append(e.open());
                    for (int i = 0; i < e.parts().size(); i++) {
                        if (i > 0) {
                            out.append(':');
                        }
                        render(e.parts().get(i), step, clock, out);
                    }
                    out.append(e.close());
                }
                case Scheduled s -> render(step <= s.end(clock) ? s.before() : s.after(), step, clock, out);
                case Alternate a -> render(a.options().get(Math.floorMod(step - 1, a.options().size())), step, clock, out);
            }
        }
    }

    /** A recursive-descent reading of A1111's lark grammar; inner failures throw, the top level takes stray brackets. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        List<Node> top() {
            List<Node> out = new ArrayList<>();
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '|') {
                    throw new IllegalArgumentException("a '|' outside brackets");
                }
                if (c == '(' || c == '[') {
                    int start = i;
                    try {
                        out.add(bracket());
                        continue;
                    } catch (IllegalArgumentException e) {
                        i = start; // a stray bracket: text, as the grammar's start rule allows
                    }
                }
                if (c == '(' || c == '[' || c == ')' || c == ']' || c == ':') {
                    out.add(new Text(String.valueOf(c)));
                    i++;
                } else {
                    out.add(new Text(plain()));
                }
            }
            return out;
        }

        /** A sequence up to (not including) one of {@code stops} at this depth. */
        private List<Node> sequence(String stops) {
            List<Node> out = new ArrayList<>();
            while (i < s.length() && stops.indexOf(s.charAt(i)) < 0) {
                char c = s.charAt(i);
                if (c == '(' || c == '[') {
                    out.add(bracket());
                } else if (c == ')' || c == ']' || c == ':' || c == '|') {
                    throw new IllegalArgumentException("unexpected '" + c + "'");
                } else {
                    out.add(new Text(plain()));
                }
            }
            if (i >= s.length()) {
                throw new IllegalArgumentException("unclosed bracket");
            }
            return out;
        }

        private Node bracket() {
            char open = s.charAt(i++);
            if (open == '(') {
                List<List<Node>> parts = new ArrayList<>(List.of(sequence(":)")));
                if (s.charAt(i) == ':') {
                    i++;
                    parts.add(sequence(")"));
                }
                i++; // ')'
                return new Emphasis('(', parts, ')');
            }
            List<Node> first = sequence(":|]");
            char c = s.charAt(i);
            if (c == ']') {
                i++;
                return new Emphasis('[', List.of(first), ']');
            }
            if (c == '|') {
                List<List<Node>> options = new ArrayList<>(List.of(first));
                while (s.charAt(i) == '|') {
                    i++;
                    options.add(sequence("|]"));
                }
                i++; // ']'
                return new Alternate(options);
            }
            i++; // ':' after the first part
            Matcher when = NUMBER.matcher(s).region(i, s.length());
            if (when.lookingAt()) { // [to:when]
                i = when.end();
                return new Scheduled(List.of(), first, when.group(1));
            }
            List<Node> second = sequence(":]");
            if (s.charAt(i) != ':') {
                throw new IllegalArgumentException("[a:b] without a step");
            }
            i++;
            when = NUMBER.matcher(s).region(i, s.length());
            if (!when.lookingAt()) {
                throw new IllegalArgumentException("no step number in [from:to:when]");
            }
            i = when.end();
            return new Scheduled(first, second, when.group(1));
        }

        /** Text up to the next special character; a backslash keeps the character after it (and itself). */
        private String plain() {
            int start = i;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length()) {
                    i += 2;
                } else if ("[]():|".indexOf(c) >= 0) {
                    break;
                } else {
                    i++;
                }
            }
            if (i == start) { // a lone trailing backslash
                i++;
            }
            return s.substring(start, i);
        }
    }
}
