package com.mysticanvas.llm.template.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * A Jinja string value that remembers which of its characters came from request data ("input") and which from
 * the template itself. The prompt is tokenized with special tokens parsed only in template text, so a user who
 * types {@code <|im_end|>} cannot close their own turn.
 *
 * <p>Rules (as llama.cpp's engine): concatenation keeps each side's marks; any other transformation (strip,
 * upper, slicing, split, replace ...) yields input only if its source was input throughout.
 */
public final class Str implements Comparable<Str> {
    /** A run of characters that share one origin. */
    public record Part(String text, boolean input) {}

    public static final Str EMPTY = new Str("", List.of());

    private final String text;
    /** Empty for pure template text; otherwise covers {@code text} exactly, adjacent parts differ in origin. */
    private final List<Part> parts;

    private Str(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    public static Str of(String text) {
        return text.isEmpty() ? EMPTY : new Str(text, List.of());
    }

    public static Str input(String text) {
        return text.isEmpty() ? EMPTY : new Str(text, List.of(new Part(text, true)));
    }

    /** Joins parts (merging neighbours of the same origin). */
    public static Str fromParts(List<Part> parts) {
        List<Part> merged = new ArrayList<>();
        appendParts(merged, parts);
        StringBuilder text = new StringBuilder();
        boolean anyInput = false;
        for (Part p : merged) {
            text.append(p.text());
            anyInput |= p.input();
        }
        return anyInput ? new Str(text.toString(), List.copyOf(merged)) : of(text.toString());
    }

    /** A transformation result: input only if this whole string was input. */
    public Str derive(String result) {
        return isAllInput() ? input(result) : of(result);
    }

    public boolean isAllInput() {
        return !text.isEmpty() && parts.size() == 1 && parts.getFirst().input();
    }

    public boolean hasInput() {
        return !parts.isEmpty();
    }

    public Str concat(Str other) {
        if (other.text.isEmpty()) {
            return this;
        }
        if (text.isEmpty()) {
            return other;
        }
        if (parts.isEmpty() && other.parts.isEmpty()) {
            return new Str(text + other.text, List.of());
        }
        List<Part> merged = new ArrayList<>();
        appendParts(merged, parts());
        appendParts(merged, other.parts());
        return new Str(text + other.text, List.copyOf(merged));
    }

    /** Parts covering the whole text (template text as one part when unmarked). */
    public List<Part> parts() {
        if (parts.isEmpty()) {
            return text.isEmpty() ? List.of() : List.of(new Part(text, false));
        }
        return parts;
    }

    /** Appends parts, merging neighbours of the same origin. */
    static void appendParts(List<Part> into, List<Part> more) {
        for (Part p : more) {
            if (p.text().isEmpty()) {
                continue;
            }
            if (!into.isEmpty() && into.getLast().input() == p.input()) {
                Part last = into.removeLast();
                into.add(new Part(last.text() + p.text(), p.input()));
            } else {
                into.add(p);
            }
        }
    }

    public String text() {
        return text;
    }

    public int length() {
        return text.codePointCount(0, text.length());
    }

    public boolean isEmpty() {
        return text.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Str s && s.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public int compareTo(Str o) {
        return PyStrings.compareCodePoints(text, o.text);
    }

    @Override
    public String toString() {
        return text;
    }
}
