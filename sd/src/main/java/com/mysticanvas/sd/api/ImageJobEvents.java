package com.mysticanvas.sd.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.core.worker.WorkerPaths;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code GET /v1/images/jobs/events}: every job's changes, whoever submitted it (the studio, an A1111
 * script, an OpenAI client), as SSE {@code job} events {@code {job, state, step, steps, image, n,
 * progress, position}} without previews. The orchestrator relays them to its UIs on {@code /api/events}.
 * A new listener first hears the running and waiting jobs as they stand; an idle stream gets the keep-alive comment
 * ({@link SseWriter#KEEP_ALIVE}).
 */
public final class ImageJobEvents {
    private final ImageJobs jobs;

    public ImageJobEvents(ImageJobs jobs) {
        this.jobs = jobs;
    }

    public void routes(RoutesConfig r) {
        r.get(WorkerPaths.IMAGE_JOB_EVENTS, this::stream);
    }

    private void stream(Context ctx) {
        BlockingQueue<ObjectNode> updates = new LinkedBlockingQueue<>();
        Consumer<ObjectNode> observer = updates::add;
        jobs.addObserver(observer);
        jobs.current().ifPresent(job -> updates.add(jobs.describe(job)));
        jobs.waiting().forEach(job -> updates.add(jobs.describe(job)));
        try {
            SseWriter sse = SseWriter.open(ctx);
            sse.comment("image jobs");
            while (true) {
                ObjectNode update = updates.poll(SseWriter.KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (update == null) {
                    sse.keepAlive(); // keeps an idle stream from timing out and finds a listener that went away
                } else {
                    sse.send("job", Json.write(update));
                }
            }
        } catch (IOException e) {
            // the listener went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            jobs.removeObserver(observer);
        }
    }
}
