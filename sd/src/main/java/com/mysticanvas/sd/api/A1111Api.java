package com.mysticanvas.sd.api;

import static com.mysticanvas.core.JsonFields.integer;
import static com.mysticanvas.core.JsonFields.longInteger;
import static com.mysticanvas.core.JsonFields.number;
import static com.mysticanvas.core.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.sd.image.GenerationParameters;
import com.mysticanvas.sd.image.ImageTensors;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.pipeline.Embeddings;
import com.mysticanvas.sd.pipeline.GeneratedImage;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.ProgressListener.Stop;
import com.mysticanvas.sd.pipeline.RgbImage;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.Upscaler;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import com.mysticanvas.sd.tokenizer.LoraTags;
import io.javalin.config.RoutesConfig;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The AUTOMATIC1111 API subset that existing clients (SillyTavern, Open WebUI, scripts) use: txt2img, img2img,
 * progress with a live preview, interrupt, model/LoRA/sampler/upscaler lists and options (switching
 * {@code sd_model_checkpoint} loads that checkpoint), hires fix ({@link HiresFields}). Fields we do not implement
 * (face restoration, scripts) are accepted and ignored, as A1111 ignores unknown ones.
 */
public final class A1111Api {
    private static final DateTimeFormatter JOB_TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private final ImageJobs jobs;
    private final NoiseOptions noise;
    private final SdEngine engine;
    private final ModelFolders files;
    private final OpenAiImagesApi openAi;

    public A1111Api(ImageJobs jobs, SdEngine engine, ModelFolders files, OpenAiImagesApi openAi, NoiseOptions noise) {
        this.jobs = jobs;
        this.noise = noise;
        this.engine = engine;
        this.files = files;
        this.openAi = openAi;
    }

    public void routes(RoutesConfig r) {
        r.post(WorkerPaths.A1111_TXT2IMG, ctx -> ctx.json(generate(Json.parseObject(ctx.body()), false)));
        r.post(WorkerPaths.A1111_IMG2IMG, ctx -> ctx.json(generate(Json.parseObject(ctx.body()), true)));
        r.get("/sdapi/v1/progress", ctx -> ctx.json(progress(!"true".equals(ctx.queryParam("skip_current_image")))));
        // As in A1111, the image being made is finished from where it stands and returned; skip goes on with the batch.
        r.post("/sdapi/v1/interrupt", ctx -> {
            jobs.stopCurrent(Stop.INTERRUPT);
            ctx.json(Json.object());
        });
        r.post("/sdapi/v1/skip", ctx -> {
            jobs.stopCurrent(Stop.SKIP);
            ctx.json(Json.object());
        });
        r.get("/sdapi/v1/sd-models", ctx -> ctx.json(models()));
        r.post("/sdapi/v1/png-info", ctx -> ctx.json(pngInfo(Json.parseObject(ctx.body()))));
        r.get("/sdapi/v1/loras", ctx -> ctx.json(loras()));
        r.get("/sdapi/v1/embeddings", ctx -> ctx.json(embeddings()));
        r.get("/sdapi/v1/sd-vae", ctx -> ctx.json(vaes()));
        r.get("/sdapi/v1/samplers", ctx -> ctx.json(samplers()));
        r.get("/sdapi/v1/schedulers", ctx -> ctx.json(schedulers()));
        r.get("/sdapi/v1/latent-upscale-modes", ctx -> ctx.json(latentUpscaleModes()));
        r.get(WorkerPaths.A1111_OPTIONS, ctx -> ctx.json(options()));
        r.post(WorkerPaths.A1111_OPTIONS, ctx -> {
            setOptions(Json.parseObject(ctx.body()));
            ctx.json(Json.object());
        });
        r.post("/sdapi/v1/refresh-checkpoints", ctx -> ctx.json(Json.object())); // we list the folder on every request
        r.post("/sdapi/v1/refresh-loras", ctx -> ctx.json(Json.object()));
    }

    private ObjectNode generate(ObjectNode body, boolean img2img) {
        JsonNode override = body.path("override_settings");
        if (override.isObject()) {
            switchModel((ObjectNode) override); // the noise options in it are for this request only
        }
        GenerationRequest request = request(body, img2img, noise);
        List<GeneratedImage> images = OpenAiImagesApi.await(jobs.submit(request));
        ObjectNode out = Json.object();
        ArrayNode b64 = out.putArray("images");
        if (!body.path("send_images").isBoolean() || body.get("send_images").asBoolean()) {
            images.forEach(i -> b64.add(Base64.getEncoder().encodeToString(i.png())));
        }
        ObjectNode parameters = body.deepCopy();
        parameters.remove(List.of("init_images", "mask"));
        out.set("parameters", parameters);
        out.put("info", Json.write(info(request, images)));
        return out;
    }

    static GenerationRequest request(ObjectNode body, boolean img2img) {
        return request(body, img2img, new NoiseOptions());
    }

    /** A txt2img or img2img body as a request, its noise fields defaulting to the worker's {@code noise} options. */
    static GenerationRequest request(ObjectNode body, boolean img2img, NoiseOptions noise) {
        String prompt = text(body, "prompt", "");
        LoraTags tags = LoraTags.extract(prompt);
        List<GenerationRequest.LoraWeight> loras = GenerationRequest.LoraWeight.of(tags);
        GenerationRequest.Defaults defaults = GenerationRequest.DEFAULTS;
        int batch = Math.max(1, integer(body, "batch_size", 1)) * Math.max(1, integer(body, "n_iter", 1));
        GenerationRequest.Builder r = GenerationRequest.builder().prompt(tags.prompt())
                .negativePrompt(text(body, "negative_prompt", ""))
                .size(integer(body, "width", defaults.size().width()), integer(body, "height", defaults.size().height()))
                .steps(integer(body, "steps", defaults.steps())).cfgScale(number(body, "cfg_scale", defaults.cfgScale()))
                .sampler(text(body, "sampler_name", text(body, "sampler_index", null)))
                .schedule(text(body, "scheduler", null)) // A1111's "Automatic" is the default schedule too
                .seed(longInteger(body, "seed", -1)).batchCount(batch).loras(loras)
                .clipSkip(integer(body.path("override_settings"), "CLIP_stop_at_last_layers", defaults.clipSkip()))
                .prediction(text(body, "prediction", text(body.path("override_settings"), "prediction", null)));
        noise.apply(body, r);
        if (!img2img) {
            return HiresFields.apply(body, r).build(); // A1111 has hires fix for txt2img only
        }
        JsonNode inits = body.path("init_images");
        if (!inits.isArray() || inits.isEmpty() || !inits.get(0).isTextual()) {
            throw Problem.badInput("img2img needs init_images: a list with one base64 image");
        }
        RgbImage init = ClientImages.image(inits.get(0).asText());
        String maskData = text(body, "mask", null);
        RgbImage mask = maskData == null ? null : ClientImages.mask(maskData, ImageTensors.MaskMode.A1111);
        if (mask != null && integer(body, "inpainting_mask_invert", 0) == 1) {
            mask = inverted(mask);
        }
        return r.init(init, number(body, "denoising_strength", defaults.strength()), mask).build();
    }

    private static RgbImage inverted(RgbImage mask) {
        byte[] rgb = mask.rgb().clone();
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (255 - (rgb[i] & 0xff));
        }
        return new RgbImage(rgb, mask.width(), mask.height());
    }

    /** A1111's {@code info}: a JSON string describing the batch (clients read seeds and infotexts from it). */
    private ObjectNode info(GenerationRequest r, List<GeneratedImage> images) {
        ObjectNode info = Json.object();
        info.put("prompt", r.prompt());
        ArrayNode allPrompts = info.putArray("all_prompts");
        info.put("negative_prompt", r.negativePrompt());
        ArrayNode allNegative = info.putArray("all_negative_prompts");
        info.put("seed", images.isEmpty() ? r.seed() : images.getFirst().seed());
        ArrayNode seeds = info.putArray("all_seeds");
        ArrayNode infotexts = info.putArray("infotexts");
        for (GeneratedImage image : images) {
            allPrompts.add(r.prompt());
            allNegative.add(r.negativePrompt());
            seeds.add(image.seed());
            infotexts.add(image.parameters());
        }
        info.put("subseed", -1).put("width", r.width()).put("height", r.height())
                .put("sampler_name", r.sampler().a1111Label())
                .put("scheduler", r.schedule().a1111Label())
                .put("cfg_scale", r.cfgScale()).put("steps", r.steps()).put("batch_size", r.batchCount())
                .put("restore_faces", false).put("sd_model_name", ModelFolders.stem(engine.model()))
                .put("sd_vae_name", engine.vae()).put("clip_skip", r.clipSkip())
                .put("job_timestamp", LocalDateTime.now().format(JOB_TIMESTAMP))
                .put("version", "MystiCanvas");
        if (r.init() != null) {
            info.put("denoising_strength", r.init().strength());
        } else if (r.hires() != null) {
            info.put("denoising_strength", r.hires().strength());
        }
        return info;
    }

    private ObjectNode progress(boolean withImage) {
        ImageJob job = jobs.current().orElse(null);
        SdEngine.Upscaling upscaling = engine.upscaling();
        if (job == null && upscaling != null) { // an extras upscale: its tiles as the steps
            double fraction = (double) upscaling.done() / upscaling.total();
            return progressBody(fraction, fraction, upscaling.startedAtMs(), null, "extras", 0, upscaling.done(),
                    upscaling.total(), null);
        }
        double progress = openAi.progress(job, false).path("progress").asDouble();
        if (job == null) {
            return progressBody(progress, 0, 0, null, "", 0, 0, 0, null);
        }
        return progressBody(progress, job.fraction(), job.startedAtMs(), job.stopRequested(), job.id(), job.image(),
                job.step(), job.steps(), withImage ? job.preview() : null);
    }

    /** A1111's progress answer for the work running now ({@code job} "" and fraction 0 when there is none). */
    private ObjectNode progressBody(double progress, double fraction, long startedAtMs, Stop stop, String job, int jobNo,
                                    int step, int steps, byte[] preview) {
        double elapsed = job.isEmpty() ? 0 : (System.currentTimeMillis() - startedAtMs) / 1000.0;
        ObjectNode out = Json.object().put("progress", progress)
                .put("eta_relative", fraction > 0 ? elapsed / fraction - elapsed : 0);
        out.putObject("state").put("skipped", stop == Stop.SKIP).put("interrupted", stop != null && stop != Stop.SKIP)
                .put("job", job).put("job_count", (job.isEmpty() ? 0 : 1) + jobs.waiting().size())
                .put("job_timestamp", LocalDateTime.now().format(JOB_TIMESTAMP))
                .put("job_no", jobNo).put("sampling_step", step).put("sampling_steps", steps);
        if (preview != null) {
            out.put("current_image", Base64.getEncoder().encodeToString(preview));
        } else {
            out.putNull("current_image");
        }
        return out.putNull("textinfo");
    }

    /**
     * {@code POST /sdapi/v1/png-info} {@code {image}} (base64 or a data URL of a PNG): {@code {info, items, parameters}}
     * as A1111 answers: the {@code parameters} text, the image's other text chunks, and the text read back into fields
     * ({@link GenerationParameters#parse}). An image without settings answers an empty {@code info}.
     */
    private ObjectNode pngInfo(ObjectNode body) {
        byte[] png = ImageTensors.fromBase64(body.path("image").asText(null));
        Map<String, String> text = Png.readText(png); // a file that is no PNG is a 400 that says why
        String info = text.getOrDefault(GenerationParameters.PNG_KEY, "");
        ObjectNode out = Json.object().put("info", info);
        ObjectNode items = out.putObject("items");
        text.forEach((k, v) -> {
            if (!k.equals(GenerationParameters.PNG_KEY)) {
                items.put(k, v);
            }
        });
        ObjectNode parameters = out.putObject("parameters");
        if (!info.isEmpty()) {
            GenerationParameters.parse(info).forEach(parameters::put);
        }
        return out;
    }

    private ArrayNode models() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Path p : files.list(ModelFolders.Kind.CHECKPOINT)) {
            String name = p.getFileName().toString();
            out.addObject().put("title", name).put("model_name", ModelFolders.stem(name)).putNull("hash").putNull("sha256")
                    .put("filename", p.toAbsolutePath().toString()).putNull("config");
        }
        return out;
    }

    private ArrayNode loras() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Path p : files.list(ModelFolders.Kind.LORA)) {
            String name = ModelFolders.stem(p.getFileName().toString());
            out.addObject().put("name", name).put("alias", name).put("path", p.toAbsolutePath().toString())
                    .putObject("metadata");
        }
        return out;
    }

    /**
     * A1111's embedding list: {@code loaded} by name with the vector count and shape read from each file's header
     * (whether it fits the loaded checkpoint shows when a prompt uses it), {@code skipped} the unreadable ones.
     */
    private ObjectNode embeddings() {
        ObjectNode out = Json.object();
        ObjectNode loaded = out.putObject("loaded");
        ObjectNode skipped = out.putObject("skipped");
        for (Path p : files.list(ModelFolders.Kind.EMBEDDING)) {
            String name = ModelFolders.stem(p.getFileName().toString());
            try (SafeTensors st = SafeTensors.open(p)) {
                TensorInfo t = Embeddings.vectorTensor(st.tensors(), ClipConfig.Kind.OPENAI); // ViT-L's, or the one there is
                if (t == null) {
                    t = Embeddings.vectorTensor(st.tensors(), ClipConfig.Kind.OPEN_CLIP); // a refiner's bigG-only file
                }
                long width = t.shape()[t.rank() - 1];
                loaded.putObject(name).putNull("step").putNull("sd_checkpoint").putNull("sd_checkpoint_name")
                        .put("shape", width).put("vectors", t.elements() / width);
            } catch (java.io.IOException | RuntimeException e) {
                skipped.putObject(name).put("error", e.getMessage());
            }
        }
        return out;
    }

    private ArrayNode vaes() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Path p : files.list(ModelFolders.Kind.VAE)) {
            out.addObject().put("model_name", p.getFileName().toString()).put("filename", p.toAbsolutePath().toString());
        }
        return out;
    }

    private static ArrayNode samplers() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Sampler s : Sampler.values()) {
            ObjectNode entry = out.addObject().put("name", s.a1111Label());
            ArrayNode aliases = entry.putArray("aliases");
            s.aliases().forEach(aliases::add);
            entry.putObject("options");
        }
        return out;
    }

    private static ArrayNode schedulers() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        out.addObject().put("name", Schedule.AUTOMATIC_ID).put("label", Schedule.AUTOMATIC);
        for (Schedule s : Schedule.values()) {
            out.addObject().put("name", s.id()).put("label", s.a1111Label());
        }
        return out;
    }

    private static ArrayNode latentUpscaleModes() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Upscaler u : Upscaler.values()) {
            if (u.latent()) {
                out.addObject().put("name", u.a1111Name());
            }
        }
        return out;
    }

    private ObjectNode options() {
        ObjectNode out = Json.object().put("sd_model_checkpoint", engine.model())
                .put("sd_vae", engine.vae() == null ? "Automatic" : engine.vae())
                .put("CLIP_stop_at_last_layers", GenerationRequest.DEFAULTS.clipSkip())
                .put("samples_format", "png");
        noise.describe(out);
        return out;
    }

    /** Sets the noise options and switches the model as asked; other options are accepted and ignored. */
    private void setOptions(ObjectNode options) {
        noise.set(options);
        switchModel(options);
    }

    /** Switching {@code sd_model_checkpoint} (and {@code sd_vae}) loads them, as in A1111. */
    private void switchModel(ObjectNode options) {
        String checkpoint = text(options, "sd_model_checkpoint", null);
        String vae = text(options, "sd_vae", null);
        if (vae != null && (vae.equals("Automatic") || vae.equals("None"))) {
            vae = null;
        }
        if (checkpoint == null && vae == null) {
            return;
        }
        String wanted = checkpoint == null ? engine.model() : resolveTitle(checkpoint);
        if (wanted == null) {
            throw Problem.badInput("set sd_model_checkpoint before sd_vae: no checkpoint is loaded");
        }
        if (!wanted.equals(engine.model()) || !Objects.equals(vae, engine.vae())) {
            engine.load(wanted, vae == null && checkpoint != null ? null : vae != null ? vae : engine.vae());
        }
    }

    /** A1111 names checkpoints "file.safetensors [hash]" or by stem; we accept all three. */
    private String resolveTitle(String title) {
        String name = title.replaceAll("\\s*\\[[0-9a-fA-F]+]$", "").strip();
        for (Path p : files.list(ModelFolders.Kind.CHECKPOINT)) {
            String file = p.getFileName().toString();
            if (file.equals(name) || ModelFolders.stem(file).equals(name)) {
                return file;
            }
        }
        throw Problem.badInput("no checkpoint named '" + title + "' in models/sd/checkpoints");
    }
}
