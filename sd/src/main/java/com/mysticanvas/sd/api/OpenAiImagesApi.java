package com.mysticanvas.sd.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.JsonFields;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.http.MultipartForms;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.sd.noise.NoiseSettings;
import com.mysticanvas.sd.pipeline.GeneratedImage;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * OpenAI's image routes over the job queue: {@code /v1/images/generations} and {@code /v1/images/edits}
 * (JSON or multipart), with {@code "stream": true} for SSE events {@code queued}, {@code progress} (with a
 * small preview PNG) and {@code result}, or the one error frame ({@code event: error}, with the {@code job});
 * {@code /v1/images/progress} and {@code /v1/images/interrupt}.
 */
public final class OpenAiImagesApi {
    private final ImageJobs jobs;
    private final NoiseOptions noise;

    public OpenAiImagesApi(ImageJobs jobs, NoiseOptions noise) {
        this.jobs = jobs;
        this.noise = noise;
    }

    public void routes(RoutesConfig r) {
        r.post(WorkerPaths.IMAGE_GENERATIONS, ctx -> {
            ObjectNode body = Json.parseObject(ctx.body());
            run(ctx, OpenAiImageRequests.generation(body, noise), JsonFields.bool(body, "stream", false));
        });
        r.post(WorkerPaths.IMAGE_EDITS, ctx -> {
            ObjectNode body = MultipartForms.isMultipart(ctx.contentType())
                    ? MultipartForms.toJson(ctx.contentType(), ctx.bodyAsBytes()) : Json.parseObject(ctx.body());
            run(ctx, OpenAiImageRequests.edit(body, noise), JsonFields.bool(body, "stream", false));
        });
        r.get("/v1/images/progress", ctx -> ctx.json(progress(jobs.current().orElse(null),
                !"false".equals(ctx.queryParam("preview")))));
        r.post(WorkerPaths.IMAGE_INTERRUPT, ctx -> {
            String id = ctx.body().isBlank() ? null : JsonFields.text(Json.parseObject(ctx.body()), "job", null);
            ImageJob job = id == null ? jobs.current().orElse(null)
                    : jobs.find(id).orElseThrow(() -> Problem.notFound("no image job " + id));
            boolean stopped = job != null && jobs.cancel(job);
            ctx.json(Json.object().put("interrupted", stopped).put("job", job == null ? null : job.id()));
        });
    }

    /**
     * Runs a job and answers with the OpenAI shape, at the end or as an event stream. While nothing happens (a
     * queued job) the stream gets the keep-alive comment, so a client that left is noticed and its job cancelled
     * before it runs.
     */
    private void run(Context ctx, GenerationRequest request, boolean stream) throws IOException {
        ImageJob job = jobs.submit(request);
        if (!stream) {
            ctx.json(result(job, await(job)));
            return;
        }
        BlockingQueue<Object> updates = new LinkedBlockingQueue<>();
        Consumer<ImageJob> listener = j -> updates.add(j.state() == ImageJob.State.RUNNING
                ? progress(j, true) : j.state());
        job.addListener(listener);
        listener.accept(job); // where it stands now: it may have started, or even ended, before we listened
        try {
            SseWriter sse = SseWriter.open(ctx);
            sse.send("queued", Json.write(Json.object().put("job", job.id()).put("position", jobs.position(job))));
            while (true) {
                Object update = updates.poll(SseWriter.KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (update == null) {
                    sse.keepAlive();
                } else if (update instanceof ObjectNode progress) {
                    sse.send("progress", Json.write(progress));
                } else if (update != ImageJob.State.QUEUED && update != ImageJob.State.RUNNING) {
                    ObjectNode which = Json.object().put("job", job.id());
                    try {
                        sse.send("result", Json.write(result(job, await(job))));
                    } catch (Problem e) {
                        sse.error(e, which);
                    } catch (CancellationException e) {
                        sse.error(HttpProblems.cancelled(e), which);
                    }
                    return;
                }
            }
        } catch (IOException e) {
            jobs.cancel(job); // the client went away: don't keep computing for nobody
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            jobs.cancel(job);
        } finally {
            job.removeListener(listener);
        }
    }

    static List<GeneratedImage> await(ImageJob job) {
        try {
            return job.result().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException known && (known instanceof Problem || known instanceof CancellationException)
                    ? known : Problem.internal("generation_failed", String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("interrupted", "interrupted while waiting for the image");
        }
    }

    private static ObjectNode result(ImageJob job, List<GeneratedImage> images) {
        ObjectNode out = Json.object().put("created", System.currentTimeMillis() / 1000).put("job", job.id());
        ArrayNode data = out.putArray("data");
        NoiseSettings noise = job.request().noise();
        for (GeneratedImage image : images) {
            ObjectNode item = data.addObject().put("b64_json", Base64.getEncoder().encodeToString(image.png()))
                    .put("seed", image.seed()).put("width", image.pixels().width())
                    .put("height", image.pixels().height()).put("parameters", image.parameters())
                    .put("rng", noise.rng().id());
            if (noise.varied()) { // the variation seed as drawn, for this image (subseed + its index)
                item.put("subseed", noise.subseed() + image.seed() - job.request().seed());
            }
            if (!image.warnings().isEmpty()) {
                image.warnings().forEach(item.putArray("warnings")::add);
            }
        }
        return out;
    }

    /** The job's progress as JSON ({@code job} null when idle). */
    ObjectNode progress(ImageJob job, boolean withPreview) {
        if (job == null) {
            return Json.object().put("queued", jobs.waiting().size()).putNull("job").put("state", "idle").put("progress", 0);
        }
        ObjectNode out = Json.object().put("queued", jobs.waiting().size()).setAll(job.describe());
        byte[] preview = job.preview();
        if (withPreview && preview != null) {
            out.put("preview", "data:image/png;base64," + Base64.getEncoder().encodeToString(preview));
        }
        return out;
    }
}
