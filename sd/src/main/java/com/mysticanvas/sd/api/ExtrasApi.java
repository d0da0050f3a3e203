package com.mysticanvas.sd.api;

import static com.mysticanvas.core.JsonFields.integer;
import static com.mysticanvas.core.JsonFields.number;
import static com.mysticanvas.core.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.sd.image.ImageTensors;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.model.UpscalerSpec;
import com.mysticanvas.sd.pipeline.RgbImage;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.UpscaleMethod;
import com.mysticanvas.sd.pipeline.Upscaler;
import com.mysticanvas.sd.safetensors.SafeTensors;
import io.javalin.config.RoutesConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A1111's extras tab over its API: {@code /sdapi/v1/extra-single-image} and {@code /extra-batch-images} upscale
 * images by a factor ({@code resize_mode} 0, {@code upscaling_resize}) or to a size (1, {@code upscaling_resize_w}
 * / {@code _h}, centre-cropped when {@code upscaling_crop}), with {@code upscaler_1}, optionally blended with
 * {@code upscaler_2} by {@code extras_upscaler_2_visibility}; and {@code /sdapi/v1/upscalers}, the built-ins and the
 * models of {@code models/sd/upscalers}. Face restoration fields are accepted and ignored.
 */
public final class ExtrasApi {
    private final SdEngine engine;
    private final ModelFolders files;

    public ExtrasApi(SdEngine engine, ModelFolders files) {
        this.engine = engine;
        this.files = files;
    }

    public void routes(RoutesConfig r) {
        r.get("/sdapi/v1/upscalers", ctx -> ctx.json(upscalers()));
        r.post(WorkerPaths.A1111_EXTRA_SINGLE_IMAGE, ctx -> {
            ObjectNode body = Json.parseObject(ctx.body());
            Upscaled out = upscale(body, required(body, "image"));
            ctx.json(Json.object().put("html_info", html(out.info)).put("image", out.png()));
        });
        r.post("/sdapi/v1/extra-batch-images", ctx -> {
            ObjectNode body = Json.parseObject(ctx.body());
            JsonNode list = body.path("imageList");
            if (!list.isArray() || list.isEmpty()) {
                throw Problem.badInput("imageList must be a list of {data, name} with base64 images");
            }
            ObjectNode result = Json.object();
            ArrayNode images = result.putArray("images");
            String info = "";
            for (JsonNode item : list) {
                Upscaled out = upscale(body, required(item, "data"));
                images.add(out.png());
                info = out.info;
            }
            ctx.json(result.put("html_info", html(info)));
        });
    }

    /** An upscaled image, A1111's postprocessing infotext for it, and the source's generation text, if any. */
    record Upscaled(RgbImage image, String info, Map<String, String> generation) {
        String png() {
            Map<String, String> text = new LinkedHashMap<>(generation);
            text.put("postprocessing", info);
            return Base64.getEncoder().encodeToString(Png.encode(image.rgb(), image.width(), image.height(), text));
        }
    }

    /** A base64 image upscaled as the body says, its PNG {@code parameters} text kept as A1111's extras keep it. */
    private Upscaled upscale(ObjectNode body, String base64) {
        byte[] file = ImageTensors.fromBase64(base64);
        return upscale(body, ClientImages.image(file), generationText(file));
    }

    private static Map<String, String> generationText(byte[] file) {
        try {
            String parameters = Png.readText(file).get("parameters");
            return parameters == null ? Map.of() : Map.of("parameters", parameters);
        } catch (Problem notPng) {
            return Map.of();
        }
    }

    private Upscaled upscale(ObjectNode body, RgbImage image, Map<String, String> generation) {
        boolean toSize = integer(body, "resize_mode", 0) == 1;
        int targetW = integer(body, "upscaling_resize_w", 512);
        int targetH = integer(body, "upscaling_resize_h", 512);
        double by = toSize ? Math.max((double) targetW / image.width(), (double) targetH / image.height())
                : number(body, "upscaling_resize", 2);
        if (!(by > 0) || (toSize && (targetW <= 0 || targetH <= 0))) {
            throw Problem.badInput("the upscale factor and target size must be positive");
        }
        // A1111's Upscaler.upscale: the size rounded down to a multiple of 8
        int w = (int) Math.floor(image.width() * by / 8) * 8;
        int h = (int) Math.floor(image.height() * by / 8) * 8;
        if (w < 8 || h < 8 || w > ImageTensors.MAX_SIDE || h > ImageTensors.MAX_SIDE
                || (long) w * h > ImageTensors.MAX_PIXELS) {
            throw Problem.badInput("upscaling " + image.width() + "x" + image.height() + " by " + by + " gives " + w + "x"
                    + h + "; the limit is " + ImageTensors.MAX_SIDE + " a side and " + (ImageTensors.MAX_PIXELS >> 20)
                    + " megapixels");
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put(toSize ? "Postprocess upscale to" : "Postprocess upscale by", toSize ? targetW + "x" + targetH : by);
        UpscaleMethod first = method(text(body, "upscaler_1", UpscaleMethod.NONE));
        String secondName = text(body, "upscaler_2", UpscaleMethod.NONE);
        double visibility = number(body, "extras_upscaler_2_visibility", 0);
        UpscaleMethod second = visibility > 0 ? method(secondName) : null;
        boolean crop = toSize && body.path("upscaling_crop").asBoolean(true);
        RgbImage out = first == null ? image : fitted(engine.upscale(first, image, w, h), crop, targetW, targetH);
        if (first != null) {
            info.put("Postprocess upscaler", first.a1111Name());
        }
        if (second != null) {
            RgbImage other = fitted(engine.upscale(second, image, w, h), crop, targetW, targetH);
            out = blend(out, other, Math.min(visibility, 1));
            info.put("Postprocess upscaler 2", second.a1111Name());
        }
        List<String> parts = new ArrayList<>();
        info.forEach((k, v) -> parts.add(k + ": " + v));
        return new Upscaled(out, String.join(", ", parts), generation);
    }

    private static String required(JsonNode body, String field) {
        JsonNode v = body.path(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw Problem.badInput("'" + field + "' must be a base64 image");
        }
        return v.asText();
    }

    /** An upscaler for the extras tab, "None" being none (a latent mode is refused where images are upscaled). */
    private static UpscaleMethod method(String name) {
        return name.strip().equalsIgnoreCase(UpscaleMethod.NONE) ? null : UpscaleMethod.named(name);
    }

    /** A1111's crop for "upscale to": the upscaled image centred on a black canvas of the target size. */
    private static RgbImage fitted(RgbImage image, boolean crop, int width, int height) {
        if (!crop || (image.width() == width && image.height() == height)) {
            return image;
        }
        byte[] out = new byte[width * height * 3];
        int dx = width / 2 - image.width() / 2;
        int dy = height / 2 - image.height() / 2;
        for (int y = Math.max(0, dy); y < Math.min(height, dy + image.height()); y++) {
            int x0 = Math.max(0, dx);
            int x1 = Math.min(width, dx + image.width());
            System.arraycopy(image.rgb(), ((y - dy) * image.width() + x0 - dx) * 3, out, (y * width + x0) * 3, (x1 - x0) * 3);
        }
        return new RgbImage(out, width, height);
    }

    /** PIL's {@code Image.blend}: a + alpha (b - a), truncated. */
    static RgbImage blend(RgbImage a, RgbImage b, double alpha) {
        if (a.width() != b.width() || a.height() != b.height()) {
            throw new IllegalArgumentException("blending " + a.width() + "x" + a.height() + " with " + b.width() + "x" + b.height());
        }
        byte[] out = new byte[a.rgb().length];
        for (int i = 0; i < out.length; i++) {
            int x = a.rgb()[i] & 0xff;
            int y = b.rgb()[i] & 0xff;
            out[i] = (byte) Math.clamp((int) (x + alpha * (y - x)), 0, 255);
        }
        return new RgbImage(out, a.width(), a.height());
    }

    private static String html(String info) {
        return "<p>" + info.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>";
    }

    /**
     * A1111's upscaler list: "None", the pixel built-ins, then each model file by its stem with the scale its
     * network has (null when the file cannot be read as one).
     */
    private ArrayNode upscalers() throws IOException {
        ArrayNode out = Json.MAPPER.createArrayNode();
        List<String> builtIn = new ArrayList<>(List.of(UpscaleMethod.NONE));
        Arrays.stream(Upscaler.values()).filter(u -> !u.latent()).forEach(u -> builtIn.add(u.a1111Name()));
        for (String name : builtIn) {
            out.addObject().put("name", name).putNull("model_name").putNull("model_path").putNull("model_url").put("scale", 4);
        }
        for (Path p : files.list(ModelFolders.Kind.UPSCALER)) {
            String file = p.getFileName().toString();
            String stem = ModelFolders.stem(file);
            ObjectNode entry = out.addObject().put("name", stem).put("model_name", stem)
                    .put("model_path", "models/" + ModelFolders.Kind.UPSCALER.folder() + "/" + file).putNull("model_url");
            Integer scale = scale(p);
            if (scale == null) {
                entry.putNull("scale");
            } else {
                entry.put("scale", scale);
            }
        }
        return out;
    }

    private static Integer scale(Path file) {
        try (SafeTensors raw = SafeTensors.open(file)) {
            return UpscalerSpec.inspect(UpscalerSpec.basicsrNames(UpscalerSpec.unwrapped(raw))).scale();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
