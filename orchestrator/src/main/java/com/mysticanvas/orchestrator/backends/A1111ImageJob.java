package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A studio image job run on an A1111 backend, told as the SD worker tells one: the studio's request becomes A1111's
 * {@code txt2img} (or {@code img2img} with an init image), its progress is polled from {@code /sdapi/v1/progress}
 * twice a second, and its answer becomes the worker's {@code result} event (images, seeds, infotexts), so the
 * studio saves the images with their parameters as it saves its own. Read as an event stream of {@code queued},
 * {@code progress}, then {@code result} or {@code error}.
 */
final class A1111ImageJob {
    /** Fields of our request A1111 takes under the same name. */
    private static final Set<String> SAME_NAMES = Set.of("prompt", "negative_prompt", "width", "height", "steps", "cfg_scale",
            "seed", "subseed", "subseed_strength", "seed_resize_from_w", "seed_resize_from_h", "enable_hr", "hr_scale",
            "hr_resize_x", "hr_resize_y", "hr_upscaler", "hr_second_pass_steps", "denoising_strength", "hr_prompt",
            "hr_negative_prompt", "hr_sampler_name", "hr_scheduler");
    private static final Duration POLL = Duration.ofMillis(500);

    private A1111ImageJob() {}

    /**
     * A1111's body for our request on {@code target}: its checkpoint title, A1111's sampler and schedule names
     * (from {@code names}, the image worker's capabilities: {@code samplers} and {@code schedules} with their ids,
     * titles and aliases), a batch count as {@code n_iter}, LoRAs as prompt tags, an init image as
     * {@code init_images} with {@code strength} as the denoising strength, a mask inverted to A1111's sense.
     */
    static ObjectNode body(ObjectNode request, Backends.Target target, JsonNode names) {
        UnaryOperator<String> samplerName = v -> title(names.path("samplers"), v);
        UnaryOperator<String> scheduleName = v -> title(names.path("schedules"), v);
        ObjectNode out = Json.object();
        SAME_NAMES.forEach(f -> {
            if (request.hasNonNull(f)) {
                out.set(f, request.get(f));
            }
        });
        StringBuilder prompt = new StringBuilder(request.path("prompt").asText(""));
        for (JsonNode l : request.path("loras")) {
            prompt.append(" <lora:").append(l.path("name").asText().replaceFirst("(?i)\\.safetensors$", ""))
                    .append(':').append(l.path("weight").asDouble(1)).append('>');
        }
        out.put("prompt", prompt.toString());
        if (request.hasNonNull("sampler")) {
            out.put("sampler_name", samplerName.apply(request.get("sampler").asText()));
        }
        if (request.hasNonNull("scheduler")) {
            out.put("scheduler", scheduleName.apply(request.get("scheduler").asText()));
        }
        out.put("n_iter", request.path("n").asInt(1)).put("batch_size", 1);
        if (request.hasNonNull("clip_skip")) {
            out.withObjectProperty("override_settings").put("CLIP_stop_at_last_layers", request.get("clip_skip").asInt());
        }
        out.withObjectProperty("override_settings").put("sd_model_checkpoint", target.upstreamModel());
        out.put("override_settings_restore_afterwards", true).put("send_images", true).put("save_images", false);
        if (request.hasNonNull("image")) {
            out.putArray("init_images").add(request.get("image").asText().replaceFirst("^data:[^,]*,", ""));
            out.put("denoising_strength", request.path("strength").asDouble(0.75));
            if (request.hasNonNull("mask")) {
                // ours is OpenAI's mask (transparent: repaint); A1111 repaints where an alpha mask is opaque
                out.put("mask", request.get("mask").asText().replaceFirst("^data:[^,]*,", ""))
                        .put("inpainting_mask_invert", 1);
            }
        }
        return out;
    }

    /** A1111's title for one of ours ({@code euler_a} is "Euler a"); a name not listed goes as it is. */
    static String title(JsonNode list, String value) {
        for (JsonNode entry : list) {
            boolean alias = false;
            for (JsonNode a : entry.path("aliases")) {
                alias |= a.asText().equalsIgnoreCase(value);
            }
            if (alias || entry.path("id").asText().equalsIgnoreCase(value) || entry.path("title").asText().equalsIgnoreCase(value)) {
                return entry.path("title").asText(value);
            }
        }
        return value;
    }

    /**
     * Runs the job on the first of {@code targets} that takes it and tells it as an event stream; the caller reads it
     * (closing it ends the polling). A1111 answers a job only when it is done, so a backend that fails at any point (no
     * connection, a 5xx or 429, or gone mid-job) is marked and the job starts over on the next one: the client has had
     * progress only, which starts again from the first step. {@code bodyFor} is A1111's body for a target.
     */
    static InputStream run(Backends backends, List<Backends.Target> targets, Function<Backends.Target, ObjectNode> bodyFor,
                           boolean edit) throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream out = new PipedOutputStream(in);
        String job = "remote-" + UUID.randomUUID();
        Thread.ofVirtual().name("a1111-job").start(() -> {
            try (OutputStream events = out) {
                send(events, "queued", Json.object().put("job", job).put("position", 0));
                List<String> failures = new ArrayList<>();
                for (Backends.Target target : targets) {
                    ObjectNode body = bodyFor.apply(target);
                    String failed = attempt(backends, target.connection(), body, edit, job, events);
                    if (failed == null) {
                        return;
                    }
                    backends.failed(target.connection(), failed);
                    failures.add(failed);
                }
                error(events, job, String.join("; ", failures));
            } catch (IOException closedByReader) {
                // the studio stopped reading (its client went away)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return in;
    }

    /**
     * One backend's go at the job: its progress told while it runs, its answer told as the {@code result}; null when it
     * answered, else why it failed (nothing told of it: the caller tries the next backend or tells the error).
     */
    private static String attempt(Backends backends, Connection c, ObjectNode body, boolean edit, String job,
                                  OutputStream events) throws IOException, InterruptedException {
        backends.begin(c);
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(Backends.endpoint(c, edit ? "/sdapi/v1/img2img" : "/sdapi/v1/txt2img"))
                    .timeout(Duration.ofMinutes(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
            Backends.authorize(c, request);
            CompletableFuture<HttpResponse<String>> answer =
                    backends.http().sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
            int n = body.path("n_iter").asInt(1);
            int lastStep = -1;
            try {
                while (!answer.isDone()) {
                    try {
                        answer.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (TimeoutException stillRunning) {
                        JsonNode p = progress(backends, c);
                        int step = p.path("state").path("sampling_step").asInt(-1);
                        int steps = p.path("state").path("sampling_steps").asInt(0);
                        if (steps > 0 && step != lastStep) {
                            lastStep = step;
                            send(events, "progress", Json.object().put("job", job).put("state", "running").put("step", step)
                                    .put("steps", steps).put("image", Math.max(0, p.path("state").path("job_no").asInt(0)))
                                    .put("n", n).put("progress", p.path("progress").asDouble()));
                        }
                    } catch (ExecutionException failed) {
                        break;
                    }
                }
            } catch (IOException readerGone) {
                answer.cancel(true); // the studio's client went away: the backend's connection goes too
                throw readerGone;
            }
            HttpResponse<String> r;
            try {
                r = answer.get();
            } catch (ExecutionException e) {
                return c.name() + ": " + (e.getCause().getMessage() == null ? e.getCause().getClass().getSimpleName() : e.getCause().getMessage());
            }
            if (r.statusCode() >= 500 || r.statusCode() == 429) {
                return c.name() + " answered " + r.statusCode() + ": " + abbreviated(r.body());
            }
            if (r.statusCode() != 200) { // the request's own fault: another backend would refuse it too
                error(events, job, c.name() + " answered " + r.statusCode() + ": " + abbreviated(r.body()));
                return null;
            }
            backends.succeeded(c);
            send(events, "result", result(Json.parse(r.body()), job, body));
            return null;
        } finally {
            backends.end(c);
        }
    }

    private static String abbreviated(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "…";
    }

    /** A1111's answer as the worker's {@code result}: each image with its seed, size and infotext. */
    private static ObjectNode result(JsonNode answer, String job, ObjectNode body) {
        JsonNode info = answer.path("info").isTextual() ? Json.parse(answer.path("info").asText()) : answer.path("info");
        ObjectNode out = Json.object().put("created", System.currentTimeMillis() / 1000).put("job", job);
        ArrayNode data = out.putArray("data");
        JsonNode images = answer.path("images");
        for (int i = 0; i < images.size(); i++) {
            data.addObject().put("b64_json", images.get(i).asText())
                    .put("seed", info.path("all_seeds").path(i).asLong(body.path("seed").asLong(-1) + i))
                    .put("width", info.path("width").asInt(body.path("width").asInt()))
                    .put("height", info.path("height").asInt(body.path("height").asInt()))
                    .put("parameters", info.path("infotexts").path(i).asText(""));
        }
        return out;
    }

    private static JsonNode progress(Backends backends, Connection c) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(Backends.endpoint(c, "/sdapi/v1/progress?skip_current_image=true"))
                    .timeout(Duration.ofSeconds(5)).GET();
            Backends.authorize(c, request);
            return Json.parse(backends.http().send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException | RuntimeException e) {
            return Json.object();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Json.object();
        }
    }

    private static void error(OutputStream events, String job, String message) throws IOException {
        send(events, "error", HttpProblems.body(new Problem(Problem.Kind.UPSTREAM_FAILED, "backend_failed", message)).put("job", job));
    }

    private static void send(OutputStream out, String event, JsonNode data) throws IOException {
        out.write(("event: " + event + "\ndata: " + Json.write(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
