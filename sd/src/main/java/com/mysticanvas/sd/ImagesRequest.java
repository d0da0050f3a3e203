package com.mysticanvas.sd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.ApiException;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.tokenizer.LoraTags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/images/generations} bodies: OpenAI's shape ({@code prompt}, {@code n}, {@code size} "WxH",
 * {@code response_format} b64_json) plus MystiCanvas's fields ({@code negative_prompt}, {@code steps},
 * {@code cfg_scale}, {@code sampler}, {@code scheduler}, {@code seed}, {@code width}, {@code height},
 * {@code loras} [{name, weight}], {@code clip_skip}) and A1111 {@code <lora:name:w>} tags in the prompt.
 */
public final class ImagesRequest {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,6})x(\\d{1,6})");

    private ImagesRequest() {}

    public static GenerationRequest parse(ObjectNode body) {
        String prompt = text(body, "prompt", null);
        if (prompt == null) {
            throw ApiException.badRequest("'prompt' is required");
        }
        String format = text(body, "response_format", "b64_json");
        if (!format.equals("b64_json")) {
            throw ApiException.badRequest("response_format '" + format + "' is not supported; use b64_json");
        }
        int width = 512;
        int height = 512;
        String size = text(body, "size", null);
        if (size != null) {
            Matcher m = SIZE.matcher(size);
            if (!m.matches()) {
                throw ApiException.badRequest("size must look like 512x512, got '" + size + "'");
            }
            width = Integer.parseInt(m.group(1));
            height = Integer.parseInt(m.group(2));
        }
        width = integer(body, "width", width);
        height = integer(body, "height", height);
        List<GenerationRequest.LoraWeight> loras = new ArrayList<>();
        for (JsonNode l : body.path("loras")) {
            loras.add(new GenerationRequest.LoraWeight(l.path("name").asText(null), (float) l.path("weight").asDouble(1.0)));
        }
        if (prompt.contains("<lora:")) {
            LoraTags tags = LoraTags.extract(prompt);
            prompt = tags.prompt();
            tags.loras().forEach(t -> loras.add(new GenerationRequest.LoraWeight(t.name(), t.weight())));
        }
        long seed = body.path("seed").isIntegralNumber() && body.path("seed").asLong() >= 0 ? body.path("seed").asLong()
                : ThreadLocalRandom.current().nextLong(1L << 32);
        return new GenerationRequest(prompt, text(body, "negative_prompt", ""), width, height, integer(body, "steps", 20),
                (float) number(body, "cfg_scale", 7.0), text(body, "sampler", "euler_a"), text(body, "scheduler", "discrete"),
                seed, integer(body, "n", 1), loras, null, 1f, null, integer(body, "clip_skip", 1));
    }

    private static String text(ObjectNode body, String field, String fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("'" + field + "' must be a string");
        }
        return v.asText();
    }

    private static int integer(ObjectNode body, String field, int fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.badRequest("'" + field + "' must be an integer");
        }
        return v.asInt();
    }

    private static double number(ObjectNode body, String field, double fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw ApiException.badRequest("'" + field + "' must be a number");
        }
        return v.asDouble();
    }
}
