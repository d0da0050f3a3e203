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
        if (model != null && !model.isEmpty()) {
            fields.put("Model", model);
        }
        fields.putAll(extras);
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
