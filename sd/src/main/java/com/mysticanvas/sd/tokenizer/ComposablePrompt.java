package com.mysticanvas.sd.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's composable diffusion ({@code prompt_parser.get_multicond_prompt_list}): a prompt split on the word
 * {@code AND} into parts, each conditioned on its own and weighted by a trailing {@code :number} (1 without one).
 * Guidance then adds each part's pull away from the negative prompt, {@code uncond + sum(w_i * scale * (cond_i -
 * uncond))}. As in A1111 the weight is read from every prompt, with or without {@code AND} ({@code "a cat :0.5"} is
 * "a cat" at half weight), and each part keeps its own prompt editing. The negative prompt is never split.
 *
 * @param parts at least one; a prompt without {@code AND} or weight is one part of weight 1
 */
public record ComposablePrompt(List<Part> parts) {
    /** One part: its text and weight. */
    public record Part(String text, float weight) {}

    /** A1111's {@code re_AND} and {@code re_weight}. */
    private static final Pattern AND = Pattern.compile("\\bAND\\b");
    private static final Pattern WEIGHT = Pattern.compile("^((?:\\s|.)*?)(?:\\s*:\\s*([-+]?(?:\\d+\\.?|\\d*\\.\\d+)))?\\s*$");

    public ComposablePrompt {
        parts = List.copyOf(parts);
    }

    public static ComposablePrompt of(String prompt) {
        List<Part> parts = new ArrayList<>();
        for (String sub : AND.split(prompt, -1)) {
            Matcher m = WEIGHT.matcher(sub);
            if (m.matches()) {
                parts.add(new Part(m.group(1), m.group(2) == null ? 1f : Float.parseFloat(m.group(2))));
            } else {
                parts.add(new Part(sub, 1f));
            }
        }
        return new ComposablePrompt(parts);
    }

    /** True when guidance is plain CFG on one prompt (no AND, weight 1): the negative prompt may be skipped at scale 1. */
    public boolean plain() {
        return parts.size() == 1 && parts.getFirst().weight() == 1f;
    }
}
