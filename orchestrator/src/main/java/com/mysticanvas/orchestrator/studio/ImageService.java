package com.mysticanvas.orchestrator.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.memory.MemoryArbiter;
import com.mysticanvas.orchestrator.storage.GalleryImage;
import com.mysticanvas.orchestrator.storage.GalleryStore;
import com.mysticanvas.orchestrator.workers.SdWorkerApi;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * {@code POST /api/images}: an image job for the web UI. The SD worker does the work and streams its
 * progress; every finished image is saved to the gallery (file + row with all parameters) before the
 * browser hears of it. Each saved image is also announced on {@code /api/events} as {@code gallery-image}, so
 * other open pages show it; job states reach {@code /api/events} for every job through the image job relay.
 */
public final class ImageService {
    /** Fields passed to the worker as they are. */
    private static final Set<String> GENERATION_FIELDS = Set.of("prompt", "negative_prompt", "width", "height", "steps",
            "cfg_scale", "sampler", "scheduler", "seed", "n", "loras", "clip_skip", "strength", "rng", "subseed",
            "subseed_strength", "seed_resize_from_w", "seed_resize_from_h", "eta_noise_seed_delta", "enable_hr", "hr_scale",
            "hr_resize_x", "hr_resize_y", "hr_upscaler", "hr_second_pass_steps", "denoising_strength", "hr_prompt",
            "hr_negative_prompt", "hr_sampler_name", "hr_scheduler");

    /** The largest factor the studio's Upscale action offers (A1111's extras slider goes to 8). */
    static final double MAX_UPSCALE = 8;
    /**
     * What an upscale needs in the worker: its models run in 192-pixel tiles, so the peak is that of a 4x tile's
     * output (768x768), whatever the image's size.
     */
    private static final ImageSize UPSCALE_PEAK = new ImageSize(768, 768);

    private final SdWorkerApi sd;
    private final GalleryStore gallery;
    private final MemoryArbiter memory;
    private final Supplier<String> loadedCheckpoint;
    private final BiConsumer<String, Object> publish;
    private final ExternalImages external;

    /** Runs a job elsewhere (an A1111 backend that has the checkpoint asked for), as the SD worker's event stream. */
    @FunctionalInterface
    public interface ExternalImages {
        /** The job's events, or empty when its checkpoint is not an external backend's. */
        java.util.Optional<SseReader> open(ObjectNode request, boolean edit);

        ExternalImages NONE = (request, edit) -> java.util.Optional.empty();
    }

    public ImageService(SdWorkerApi sd, GalleryStore gallery, MemoryArbiter memory, Supplier<String> loadedCheckpoint,
                        BiConsumer<String, Object> publish) {
        this(sd, gallery, memory, loadedCheckpoint, publish, ExternalImages.NONE);
    }

    public ImageService(SdWorkerApi sd, GalleryStore gallery, MemoryArbiter memory, Supplier<String> loadedCheckpoint,
                        BiConsumer<String, Object> publish, ExternalImages external) {
        this.external = external;
        this.sd = sd;
        this.gallery = gallery;
        this.memory = memory;
        this.loadedCheckpoint = loadedCheckpoint;
        this.publish = publish;
    }

    /**
     * A job of the studio: on the A1111 backend that has its checkpoint when one has it (no local memory arbitration
     * then), else on the SD worker, switched to the checkpoint first when asked.
     */
    public void generate(Context ctx, ObjectNode body) throws IOException {
        ObjectNode request = request(body);
        boolean edit = body.hasNonNull("init_image");
        if (body.hasNonNull("checkpoint")) {
            java.util.Optional<SseReader> remote = external.open(request.deepCopy().set("checkpoint", body.get("checkpoint")), edit);
            if (remote.isPresent()) {
                stream(ctx, body, request, edit, remote.get(), body.get("checkpoint").asText());
                return;
            }
        }
        try (MemoryArbiter.Permit ignored = memory.beforeImageJob(HiresSize.largest(body))) {
            switchModelIfAsked(body);
            stream(ctx, body, request, edit, sd.generate(request, edit), null);
        }
    }

    /** The worker's request for the studio's body: its generation fields, an init image and mask as the worker names them. */
    private static ObjectNode request(ObjectNode body) {
        ObjectNode request = Json.object();
        GENERATION_FIELDS.forEach(f -> {
            if (body.hasNonNull(f)) {
                request.set(f, body.get(f));
            }
        });
        if (body.hasNonNull("init_image")) {
            request.set("image", body.get("init_image"));
            if (body.hasNonNull("mask")) {
                request.set("mask", body.get("mask"));
            }
        }
        return request;
    }

    /** Relays a job's events to the client and saves its images; {@code model}: where it ran, null for the loaded one. */
    private void stream(Context ctx, ObjectNode body, ObjectNode request, boolean edit, SseReader upstream, String model)
            throws IOException {
        String conversationId = body.path("conversation_id").isTextual() ? body.get("conversation_id").asText() : null;
        ObjectNode params = request.deepCopy();
        params.remove(List.of("stream", "image", "mask"));
        params.put("mode", edit ? (body.hasNonNull("mask") ? "inpaint" : "img2img") : "txt2img");

        SseWriter client = SseWriter.open(ctx);
        String job = null;
        String outcome = null;
        try (SseReader in = upstream) {
            for (SseReader.Event e = in.next(); outcome == null && e != null; e = in.next()) {
                if (e.isComment()) {
                    outcome = client.tryKeepAlive() ? null : "cancelled"; // the worker's keep-alive, passed on
                    continue;
                }
                JsonNode data = Json.parse(e.data());
                job = data.path("job").asText(job);
                outcome = relay(client, data.has("error") ? "error" : e.name(), data, job, params, body, conversationId, model);
            }
        } catch (IOException e) {
            // reading failed: the worker died mid-job (our own writes never throw, see send)
        }
        if (outcome == null) {
            client.tryError(new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed",
                    "the image worker stopped mid-job; it is being restarted"), Json.object().put("job", job));
        }
    }

    /** Passes one worker event on; returns the job's outcome once it has one (null while it runs). */
    private String relay(SseWriter client, String event, JsonNode data, String job, ObjectNode params, ObjectNode body,
                         String conversationId, String model) {
        boolean clientThere = true;
        switch (event) {
            case "queued" -> clientThere = client.trySend("queued", data);
            case "progress" -> clientThere = client.trySend("progress", ((ObjectNode) data).put("index", data.path("image").asInt()));
            case "result" -> {
                List<GalleryImage> saved = save(data, params, body, conversationId, model);
                for (GalleryImage image : saved) {
                    ObjectNode announcement = Json.object().set("image", Json.MAPPER.valueToTree(image));
                    publish.accept("gallery-image", announcement);
                    client.trySend("image", announcement);
                }
                client.trySend("done", Json.object().set("images", Json.MAPPER.valueToTree(saved)));
                return "done";
            }
            case "error" -> {
                client.tryError(HttpProblems.fromFrame("sd-worker", Json.write(data)), Json.object().put("job", job));
                return "failed";
            }
            default -> { }
        }
        // A browser that went away cancels the job: closing the worker's stream makes it stop.
        return clientThere ? null : "cancelled";
    }

    /**
     * A gallery image upscaled by the worker ({@code upscaler}: Lanczos, Nearest or a model of models/sd/upscalers;
     * {@code scale} 1..8, A1111's extras, which round the size down to a multiple of 8) and saved as a new gallery
     * image beside it: its source's prompt, seed and parameters, plus {@code mode} "upscale", {@code source_image},
     * {@code upscaler}, {@code upscale_by} and the worker's {@code postprocessing} text.
     */
    public GalleryImage upscale(String id, ObjectNode body) throws IOException {
        GalleryImage source = gallery.get(id);
        String upscaler = body.path("upscaler").asText("");
        if (upscaler.isBlank()) {
            throw Problem.badInput("'upscaler' is required: Lanczos, Nearest or an upscaler model's name");
        }
        double scale = body.path("scale").asDouble(2);
        if (!(scale >= 1 && scale <= MAX_UPSCALE)) {
            throw Problem.badInput("'scale' must be 1 to " + MAX_UPSCALE + ", not " + body.path("scale"));
        }
        byte[] png;
        try {
            png = Files.readAllBytes(gallery.file(source));
        } catch (NoSuchFileException e) {
            throw Problem.notFound("the file of image " + id + " is missing from the data folder");
        }
        ObjectNode request = Json.object().put("image", Base64.getEncoder().encodeToString(png)).put("resize_mode", 0)
                .put("upscaling_resize", scale).put("upscaler_1", upscaler);
        JsonNode answer;
        try (MemoryArbiter.Permit ignored = memory.beforeImageJob(UPSCALE_PEAK)) {
            answer = sd.upscale(request);
        }
        byte[] out = Base64.getDecoder().decode(answer.path("image").asText());
        ObjectNode params = source.params() instanceof ObjectNode p ? p.deepCopy() : Json.object();
        params.put("mode", "upscale").put("source_image", id).put("upscaler", upscaler).put("upscale_by", scale)
                .put("postprocessing", plainText(answer.path("html_info").asText("")));
        ByteBuffer header = ByteBuffer.wrap(out, 16, 8); // the PNG's IHDR: width, height
        GalleryImage saved = gallery.add(out, new GalleryStore.NewImage(source.conversationId(), header.getInt(),
                header.getInt(), source.seed(), source.prompt(), source.negativePrompt(), source.model(), params));
        publish.accept("gallery-image", Json.object().set("image", Json.MAPPER.valueToTree(saved)));
        return saved;
    }

    /** A1111's {@code html_info} paragraph as its text. */
    private static String plainText(String html) {
        return html.replaceAll("</?p>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }

    /** Cancels a job by id through the worker. */
    public JsonNode cancel(String job) {
        return sd.interrupt(job);
    }

    private List<GalleryImage> save(JsonNode result, ObjectNode params, ObjectNode body, String conversationId, String model) {
        List<GalleryImage> saved = new ArrayList<>();
        for (JsonNode item : result.path("data")) {
            byte[] png = Base64.getDecoder().decode(item.path("b64_json").asText());
            ObjectNode p = params.deepCopy().put("seed", item.path("seed").asLong());
            p.put("infotext", item.path("parameters").asText(""));
            // The generator and variation seed as the worker resolved them, so "reuse settings" makes this image again.
            for (String resolved : List.of("rng", "subseed")) {
                if (item.has(resolved)) {
                    p.set(resolved, item.get(resolved));
                }
            }
            if (item.path("warnings").isArray()) { // shown with the image's settings
                List<String> warnings = new ArrayList<>();
                item.get("warnings").forEach(w -> warnings.add(w.asText()));
                p.put("warnings", String.join("\n", warnings));
            }
            saved.add(gallery.add(png, new GalleryStore.NewImage(conversationId, item.path("width").asInt(),
                    item.path("height").asInt(), item.path("seed").asLong(), body.path("prompt").asText(""),
                    body.path("negative_prompt").asText(""), model != null ? model : loadedCheckpoint.get(), p)));
        }
        return saved;
    }

    /** {@code checkpoint} / {@code vae} in the request switch the worker's model first, if different. */
    private void switchModelIfAsked(ObjectNode body) {
        String checkpoint = body.path("checkpoint").isTextual() ? body.get("checkpoint").asText() : null;
        JsonNode vae = body.get("vae");
        if (checkpoint == null && vae == null) {
            return;
        }
        SdWorkerApi.Loaded loaded = sd.loaded();
        String current = loaded.checkpoint();
        String wantedCheckpoint = checkpoint != null ? checkpoint : current;
        String currentVae = loaded.vae();
        String wantedVae = vae == null || vae.isNull() || vae.asText().isBlank() ? null : vae.asText();
        if (wantedCheckpoint == null) {
            throw Problem.badInput("no checkpoint is loaded; choose one");
        }
        if (!wantedCheckpoint.equals(current) || !Objects.equals(wantedVae, currentVae)) {
            memory.beforeModelLoad(WorkerKind.SD, wantedCheckpoint);
            sd.load(wantedCheckpoint, wantedVae);
        }
    }
}
