package com.mysticanvas.sd.api;

import static com.mysticanvas.core.JsonFields.integer;
import static com.mysticanvas.core.JsonFields.longInteger;
import static com.mysticanvas.core.JsonFields.number;
import static com.mysticanvas.core.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.sd.image.ImageTensors;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.RgbImage;
import com.mysticanvas.sd.tokenizer.LoraTags;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/images/generations} and {@code /v1/images/edits} bodies: OpenAI's shape ({@code prompt},
 * {@code n}, {@code size} "WxH", {@code response_format} b64_json; edits add {@code image} and {@code mask},
 * where transparent mask pixels are the ones to edit) plus MystiCanvas's fields ({@code negative_prompt},
 * {@code steps}, {@code cfg_scale}, {@code sampler}, {@code scheduler}, {@code seed}, {@code width},
 * {@code height}, {@code loras} [{name, weight}], {@code strength}, {@code clip_skip}, {@code prediction}, and for
 * generations A1111's hires fix fields, {@link HiresFields}) and A1111
 * {@code <lora:name:w>} tags in the prompt. Images come as base64 or data URLs. {@code model} is accepted (the
 * loaded checkpoint makes the image) but must be a plain file name. Bounds are checked when the job is submitted.
 */
public final class OpenAiImageRequests {
    private OpenAiImageRequests() {}

    public static GenerationRequest generation(ObjectNode body) {
        return generation(body, new NoiseOptions());
    }

    /** A generation whose noise fields default to the worker's {@code noise} options. */
    public static GenerationRequest generation(ObjectNode body, NoiseOptions noise) {
        return HiresFields.apply(body, builder(body, noise)).build();
    }

    /** An edit: a generation that starts from {@code image} (img2img), repainting only where {@code mask} says. */
    public static GenerationRequest edit(ObjectNode body) {
        return edit(body, new NoiseOptions());
    }

    /** An edit whose noise fields default to the worker's {@code noise} options. */
    public static GenerationRequest edit(ObjectNode body, NoiseOptions noise) {
        String image = text(body, "image", null);
        if (image == null) {
            throw Problem.badInput("'image' is required (base64 PNG/JPEG, or a multipart file)");
        }
        String mask = text(body, "mask", null);
        RgbImage init = ClientImages.image(image);
        GenerationRequest.Builder request = builder(body, noise);
        double strength = number(body, "strength", GenerationRequest.DEFAULTS.strength());
        return request.init(init, strength, mask == null ? null : ClientImages.mask(mask, ImageTensors.MaskMode.OPENAI))
                .build();
    }

    /** The fields generations and edits share; what a body leaves out keeps the builder's default. */
    private static GenerationRequest.Builder builder(ObjectNode body, NoiseOptions noise) {
        String prompt = text(body, "prompt", null);
        if (prompt == null) {
            throw Problem.badInput("'prompt' is required");
        }
        String format = text(body, "response_format", "b64_json");
        if (!format.equals("b64_json")) {
            throw Problem.badInput("response_format '" + format + "' is not supported; use b64_json");
        }
        // The worker generates with the loaded checkpoint whatever "model" says, but a path is refused everywhere.
        ModelFolders.requirePlainName("model", text(body, "model", null));
        List<GenerationRequest.LoraWeight> loras = new ArrayList<>();
        JsonNode requested = body.path("loras");
        if (!requested.isMissingNode() && !requested.isNull() && !requested.isArray()) {
            throw Problem.badInput("'loras' must be a list of {name, weight}");
        }
        for (JsonNode l : requested) {
            float weight = (float) number(l, "weight", 1.0);
            loras.add(new GenerationRequest.LoraWeight(text(l, "name", null), weight, (float) number(l, "unet_weight", weight)));
        }
        LoraTags tags = LoraTags.extract(prompt);
        loras.addAll(GenerationRequest.LoraWeight.of(tags));
        GenerationRequest.Defaults defaults = GenerationRequest.DEFAULTS;
        GenerationRequest.Builder request = GenerationRequest.builder().prompt(tags.prompt()).negativePrompt(text(body, "negative_prompt", ""))
                .size(ImageSize.of(body)).steps(integer(body, "steps", defaults.steps()))
                .cfgScale(number(body, "cfg_scale", defaults.cfgScale())).sampler(text(body, "sampler", null))
                .schedule(text(body, "scheduler", null)).seed(longInteger(body, "seed", -1))
                .batchCount(integer(body, "n", defaults.batchCount())).loras(loras)
                .clipSkip(integer(body, "clip_skip", defaults.clipSkip())).prediction(text(body, "prediction", null));
        return noise.apply(body, request);
    }
}
