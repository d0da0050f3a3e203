package com.mysticanvas.sd.tokenizer;

import com.mysticanvas.core.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's {@code <lora:name:0.8>} tags taken out of a prompt.
 * {@code <lora:name>} means weight 1; {@code <lyco:…>} (the LyCORIS extension's spelling) is read the
 * same way. As in A1111, the first number is the text encoders' weight and a second one the UNet's (default the
 * first), positional ({@code <lora:name:0.5:1>}) or named ({@code te=0.5}, {@code unet=1}). Other extra-network
 * tags ({@code <hypernet:…>}) stay in the prompt.
 *
 * @param prompt the prompt without the tags
 * @param loras  the tags in order; weight 1.0 when omitted
 */
public record LoraTags(String prompt, List<Lora> loras) {
    /** A1111's extra-network tag: {@code <kind:arguments>}. */
    private static final Pattern TAG = Pattern.compile("<(\\w+):([^>]+)>");

    /** A tag: {@code weight} on the text encoders, {@code unetWeight} on the UNet. */
    public record Lora(String name, float weight, float unetWeight) {}

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
            throw Problem.badInput("LoRA tag " + tag + " has too many parts; expected <lora:name:weight> or "
                    + "<lora:name:text-encoder weight:UNet weight>");
        }
        Float te = null;
        Float unet = null;
        for (int i = 1; i < items.length; i++) {
            String item = items[i].strip();
            if (item.startsWith("te=")) {
                te = number(item.substring(3), tag);
            } else if (item.startsWith("unet=")) {
                unet = number(item.substring(5), tag);
            } else if (i == 1) {
                te = number(item, tag);
            } else {
                unet = number(item, tag);
            }
        }
        float weight = te == null ? 1f : te;
        return new Lora(name, weight, unet == null ? weight : unet);
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
