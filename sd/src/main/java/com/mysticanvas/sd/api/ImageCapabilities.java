package com.mysticanvas.sd.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.Prediction;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.HiresFix;
import com.mysticanvas.sd.pipeline.Upscaler;
import com.mysticanvas.sd.noise.Rng;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import io.javalin.config.RoutesConfig;

/**
 * {@code GET /v1/images/capabilities}: what this worker can make and what a request may ask, from their owners, so a
 * UI need not write any of it down: the samplers and schedules (their ids, A1111's labels as titles, a sampler's
 * A1111 aliases), the model families it loads, the defaults of a request ({@link GenerationRequest#DEFAULTS}) and
 * the bounds the worker enforces (its {@link Limits}, the side rule of {@link ImageSize}).
 */
public final class ImageCapabilities {
    private final ObjectNode body;

    public ImageCapabilities(Limits limits) {
        this.body = describe(limits);
    }

    public void routes(RoutesConfig r) {
        r.get(WorkerPaths.IMAGE_CAPABILITIES, ctx -> ctx.json(body));
    }

    static ObjectNode describe(Limits limits) {
        ObjectNode out = Json.object();
        ArrayNode samplers = out.putArray("samplers");
        for (Sampler s : Sampler.values()) {
            ArrayNode aliases = samplers.addObject().put("id", s.id()).put("title", s.a1111Label()).putArray("aliases");
            s.aliases().forEach(aliases::add);
        }
        ArrayNode schedules = out.putArray("schedules");
        schedules.addObject().put("id", Schedule.AUTOMATIC_ID).put("title", Schedule.AUTOMATIC); // the sampler's own
        for (Schedule s : Schedule.values()) {
            schedules.addObject().put("id", s.id()).put("title", s.a1111Label());
        }
        ArrayNode rngs = out.putArray("rngs");
        for (Rng r : Rng.values()) {
            rngs.addObject().put("id", r.id()).put("title", r.a1111Name());
        }
        ArrayNode upscalers = out.putArray("upscalers"); // hires fix's, A1111's names as ids
        for (Upscaler u : Upscaler.values()) {
            upscalers.addObject().put("id", u.a1111Name()).put("title", u.a1111Name()).put("latent", u.latent());
        }
        ArrayNode families = out.putArray("families");
        for (Family f : Family.values()) {
            ArrayNode sizes = families.addObject().put("id", f.id()).put("title", f.title()).putArray("sizes");
            f.sizes().forEach(sizes::add);
        }
        ArrayNode predictions = out.putArray("predictions").add("auto");
        for (Prediction p : Prediction.values()) {
            predictions.add(p.id());
        }
        GenerationRequest.Defaults d = GenerationRequest.DEFAULTS;
        out.putObject("defaults").put("width", d.size().width()).put("height", d.size().height())
                .put("steps", d.steps()).put("cfg_scale", d.cfgScale()).put("sampler", d.sampler().id())
                .put("scheduler", Schedule.AUTOMATIC_ID).put("n", d.batchCount()).put("strength", d.strength())
                .put("clip_skip", d.clipSkip()).put("rng", Rng.DEFAULT.id())
                .put("hr_upscaler", Upscaler.LATENT.a1111Name()).put("hr_scale", HiresSize.DEFAULT_SCALE)
                .put("hr_second_pass_steps", 0).put("denoising_strength", HiresFix.DEFAULT_STRENGTH);
        out.putObject("limits").put("minImageSide", ImageSize.MIN_SIDE).put("maxImageSide", limits.maxImageSide())
                .put("sideMultiple", ImageSize.MULTIPLE).put("maxSteps", limits.maxSteps())
                .put("maxBatch", limits.maxBatch()).put("maxPromptChars", limits.maxPromptChars())
                .put("imageQueue", limits.imageQueue());
        return out;
    }
}
