package com.mysticanvas.sd.api;

import static com.mysticanvas.core.JsonFields.integer;
import static com.mysticanvas.core.JsonFields.longInteger;
import static com.mysticanvas.core.JsonFields.number;
import static com.mysticanvas.core.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.image.ImageTensors;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.RgbImage;
import com.mysticanvas.sd.tokenizer.LoraTags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/images/generations} and {@code /v1/images/edits} bodies: OpenAI's shape ({@code prompt},
 * {@code n}, {@code size} "WxH", {@code response_format} b64_json; edits add {@code image} and {@code mask},
 * where transparent mask pixels are the ones to edit) plus MystiCanvas's fields ({@code negative_prompt},
 * {@code steps}, {@code cfg_scale}, {@code sampler}, {@code scheduler}, {@code seed}, {@code width},
 * {@code height}, {@code loras} [{name, weight}], {@code strength}, {@code clip_skip}) and A1111
 * {@code <lora:name:w>} tags in the prompt. Images come as base64 or data URLs.
 */
public final class OpenAiImageRequests {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,6})x(\\d{1,6})");

    private OpenAiImageRequests() {}

    public static GenerationRequest generation(ObjectNode body) {
        String prompt = text(body, "prompt", null);
        if (prompt == null) {
            throw Problem.badInput("'prompt' is required");
        }
        String format = text(body, "response_format", "b64_json");
        if (!format.equals("b64_json")) {
            throw Problem.badInput("response_format '" + format + "' is not supported; use b64_json");
        }
        int width = 512;
        int height = 512;
        String size = text(body, "size", null);
        if (size != null && !size.equals("auto")) {
            Matcher m = SIZE.matcher(size);
            if (!m.matches()) {
                throw Problem.badInput("size must look like 512x512, got '" + size + "'");
            }
            width = Integer.parseInt(m.group(1));
            height = Integer.parseInt(m.group(2));
        }
        List<GenerationRequest.LoraWeight> loras = new ArrayList<>();
        JsonNode requested = body.path("loras");
        if (!requested.isMissingNode() && !requested.isNull() && !requested.isArray()) {
            throw Problem.badInput("'loras' must be a list of {name, weight}");
        }
        for (JsonNode l : requested) {
            loras.add(new GenerationRequest.LoraWeight(text(l, "name", null), (float) number(l, "weight", 1.0)));
        }
        LoraTags tags = LoraTags.extract(prompt);
        tags.loras().forEach(t -> loras.add(new GenerationRequest.LoraWeight(t.name(), t.weight())));
        return new GenerationRequest(tags.prompt(), text(body, "negative_prompt", ""), integer(body, "width", width),
                integer(body, "height", height), integer(body, "steps", 20), (float) number(body, "cfg_scale", 7.0),
                text(body, "sampler", "euler_a"), text(body, "scheduler", "discrete"), seed(longInteger(body, "seed", -1)),
                integer(body, "n", 1), loras, null, 1f, null, integer(body, "clip_skip", 1));
    }

    /** An edit: a generation that starts from {@code image} (img2img), repainting only where {@code mask} says. */
    public static GenerationRequest edit(ObjectNode body) {
        String image = text(body, "image", null);
        if (image == null) {
            throw Problem.badInput("'image' is required (base64 PNG/JPEG, or a multipart file)");
        }
        String mask = text(body, "mask", null);
        RgbImage init = ClientImages.image(image);
        return generation(body).withInit(init, number(body, "strength", 0.75),
                mask == null ? null : ClientImages.mask(mask, ImageTensors.MaskMode.OPENAI));
    }

    /** A random seed for -1 (or none), as A1111 does; any other value is used as given. */
    static long seed(long requested) {
        return requested >= 0 ? requested : ThreadLocalRandom.current().nextLong(1L << 32);
    }
}
