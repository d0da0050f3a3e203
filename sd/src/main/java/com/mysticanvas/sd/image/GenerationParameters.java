package com.mysticanvas.sd.image;

import com.mysticanvas.core.Json;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of one image as A1111 writes them into the PNG's {@code parameters} text (its
 * "infotext"), which A1111's PNG Info tab, Civitai and other tools read back:
 * <pre>
 * prompt
 * Negative prompt: negative
 * Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, Model: name, ...
 * </pre>
 * The negative-prompt line is left out when there is none; a value holding a comma, colon or line
 * break is written as a JSON string, as A1111 quotes it.
 *
 * @param extras further "Key: value" pairs in order (e.g. "Denoising strength", "Model hash", "Lora hashes")
 */
public record GenerationParameters(String prompt, String negativePrompt, int steps, Sampler sampler, Schedule schedule,
                                   double cfgScale, long seed, int width, int height, String model,
                                   Map<String, String> extras) {
    /** The PNG text key A1111 uses. */
    public static final String PNG_KEY = "parameters";
    /** The checkpoint's AutoV2 hash, written before the model's name. */
    public static final String MODEL_HASH = "Model hash";

    public GenerationParameters {
        extras = Collections.unmodifiableMap(extras == null ? new LinkedHashMap<>() : new LinkedHashMap<>(extras));
    }

    public GenerationParameters(String prompt, String negativePrompt, int steps, Sampler sampler, Schedule schedule,
                                double cfgScale, long seed, int width, int height, String model) {
        this(prompt, negativePrompt, steps, sampler, schedule, cfgScale, seed, width, height, model, Map.of());
    }

    /** A copy with one more "Key: value" pair at the end. */
    public GenerationParameters with(String key, Object value) {
        Map<String, String> more = new LinkedHashMap<>(extras);
        more.put(key, switch (value) {
            case Double d -> number(d);
            case Float f -> number(Double.parseDouble(f.toString())); // 0.7f as "0.7", not 0.699999988
            default -> String.valueOf(value);
        });
        return new GenerationParameters(prompt, negativePrompt, steps, sampler, schedule, cfgScale, seed, width, height, model, more);
    }

    /** The {@code parameters} text. */
    public String toA1111() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("Steps", Integer.toString(steps));
        fields.put("Sampler", sampler.a1111Label());
        fields.put("Schedule type", schedule.a1111Label());
        fields.put("CFG scale", number(cfgScale));
        fields.put("Seed", Long.toString(seed));
        fields.put("Size", width + "x" + height);
        if (extras.containsKey(MODEL_HASH)) {
            fields.put(MODEL_HASH, extras.get(MODEL_HASH)); // before the model's name, as A1111 writes it
        }
        if (model != null && !model.isEmpty()) {
            fields.put("Model", model);
        }
        extras.forEach(fields::putIfAbsent);
        StringBuilder out = new StringBuilder(prompt == null ? "" : prompt);
        if (negativePrompt != null && !negativePrompt.isEmpty()) {
            out.append("\nNegative prompt: ").append(negativePrompt);
        }
        out.append('\n');
        String separator = "";
        for (Map.Entry<String, String> field : fields.entrySet()) {
            out.append(separator).append(field.getKey()).append(": ").append(quote(field.getValue()));
            separator = ", ";
        }
        return out.toString();
    }

    /** A1111's {@code re_param}: one "Key: value" of the last line, the value quoted or up to the next comma. */
    private static final java.util.regex.Pattern PARAM =
            java.util.regex.Pattern.compile("\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)");
    private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("^(\\d+)x(\\d+)$");

    /**
     * An infotext read back as A1111's {@code parse_generation_parameters} reads it (its PNG Info tab, its
     * {@code /sdapi/v1/png-info}): {@code Prompt}, {@code Negative prompt}, then each "Key: value" of the last line as
     * text (a quoted value unquoted), a {@code WxH} value as {@code Key-1} and {@code Key-2}. A last line with fewer
     * than three pairs is part of the prompt. Ours and A1111's alike.
     */
    public static Map<String, String> parse(String infotext) {
        String[] lines = infotext.strip().split("\n", -1);
        String last = lines[lines.length - 1];
        int promptLines = lines.length - 1;
        if (PARAM.matcher(last).results().count() < 3) {
            promptLines = lines.length;
            last = "";
        }
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = new StringBuilder();
        boolean negativeNow = false;
        for (int i = 0; i < promptLines; i++) {
            String line = lines[i].strip();
            if (line.startsWith("Negative prompt:")) {
                negativeNow = true;
                line = line.substring("Negative prompt:".length()).strip();
            }
            StringBuilder into = negativeNow ? negative : prompt;
            into.append(into.isEmpty() ? "" : "\n").append(line);
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("Prompt", prompt.toString());
        out.put("Negative prompt", negative.toString());
        var pairs = PARAM.matcher(last);
        while (pairs.find()) {
            String key = pairs.group(1);
            String value = pairs.group(2);
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                try {
                    value = Json.MAPPER.readValue(value, String.class);
                } catch (java.io.IOException | RuntimeException notJson) {
                    value = value.substring(1, value.length() - 1);
                }
            }
            var size = SIZE.matcher(value);
            if (size.matches()) {
                out.put(key + "-1", size.group(1));
                out.put(key + "-2", size.group(2));
            } else {
                out.put(key, value);
            }
        }
        return out;
    }

    /** The PNG text chunks for an image made with these settings. */
    public Map<String, String> pngText() {
        return Map.of(PNG_KEY, toA1111());
    }

    /** 7.0 as "7", 7.5 as "7.5": how Python prints the numbers A1111 writes. */
    static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String quote(String value) {
        return value.contains(",") || value.contains(":") || value.contains("\n") ? Json.write(value) : value;
    }
}
