package com.mysticanvas.sd.tokenizer;

import com.mysticanvas.core.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's {@code <lora:name:0.8>} tags taken out of a prompt.
 * {@code <lora:name>} means weight 1; {@code <lyco:…>} (the LyCORIS extension's spelling) is read the
 * same way. A1111 allows a second number (the UNet's multiplier, default the first): it is accepted
 * and must equal the first, since one weight per LoRA is applied. Other extra-network tags
 * ({@code <hypernet:…>}) stay in the prompt.
 *
 * @param prompt the prompt without the tags
 * @param loras  the tags in order; weight 1.0 when omitted
 */
public record LoraTags(String prompt, List<Lora> loras) {
    /** A1111's extra-network tag: {@code <kind:arguments>}. */
    private static final Pattern TAG = Pattern.compile("<(\\w+):([^>]+)>");

    public record Lora(String name, float weight) {}

    public LoraTags {
        loras = List.copyOf(loras);
    }

    public static LoraTags extract(String prompt) {
        List<Lora> loras = new ArrayList<>();
        Matcher m = TAG.matcher(prompt);
        StringBuilder rest = new StringBuilder(prompt.length());
        while (m.find()) {
            String kind = m.group(1);
            if (kind.equals("lora") || kind.equals("lyco")) {
                loras.add(parse(m.group(), m.group(2)));
                m.appendReplacement(rest, "");
            } else {
                m.appendReplacement(rest, Matcher.quoteReplacement(m.group()));
            }
        }
        m.appendTail(rest);
        return new LoraTags(rest.toString(), loras);
    }

    private static Lora parse(String tag, String arguments) {
        String[] items = arguments.split(":", -1);
        String name = items[0].strip();
        if (name.isEmpty()) {
            throw Problem.badInput("LoRA tag " + tag + " has no name");
        }
        if (items.length > 3) {
            throw Problem.badInput("LoRA tag " + tag + " has too many parts; expected <lora:name:weight>");
        }
        float weight = items.length > 1 ? number(items[1], tag) : 1f;
        if (items.length == 3 && number(items[2], tag) != weight) {
            throw Problem.badInput("LoRA tag " + tag
                    + ": separate text-encoder and UNet weights are not supported; give one weight");
        }
        return new Lora(name, weight);
    }

    private static float number(String text, String tag) {
        try {
            float value = Float.parseFloat(text.strip());
            if (Float.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw Problem.badInput("LoRA weight '" + text.strip() + "' in " + tag + " is not a number");
    }
}
