package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.worker.WorkerPaths;
import java.time.Duration;

/**
 * What the orchestrator asks of an image backend. Today that is the local SD worker, through
 * {@link #over(WorkerEndpoint)}; an A1111-compatible server would be another implementation.
 * Failures are {@link com.mysticanvas.core.Problem}s.
 */
public interface SdWorkerApi {
    /** What a backend has loaded: checkpoint and VAE file names, null for none. */
    record Loaded(String checkpoint, String vae) {}

    /** The checkpoint files it can load ({@code data} of {@code GET /v1/models/checkpoints}). */
    JsonNode checkpoints();

    Loaded loaded();

    /** Loads a checkpoint with a VAE (null: the checkpoint's own). */
    void load(String checkpoint, String vae);

    /** An image job streamed as {@code queued}, {@code progress}, then {@code result} or {@code error} events. */
    SseReader generate(ObjectNode request, boolean edit);

    /** Stops a job between steps; its answer ({@code interrupted}, {@code job}). */
    JsonNode interrupt(String job);

    /** Every job's changes, whoever submitted it, as {@code job} events; long-lived. */
    SseReader jobEvents();

    /** Samplers, schedules, model families, request defaults and limits, for the UI's image form. */
    JsonNode capabilities();

    /** An image upscaled, A1111's extras request and answer ({@code image}, {@code html_info}). */
    JsonNode upscale(ObjectNode extrasRequest);

    /** The local SD worker's HTTP API. */
    static SdWorkerApi over(WorkerEndpoint worker) {
        return new SdWorkerApi() {
            @Override
            public JsonNode checkpoints() {
                return worker.get(WorkerPaths.SD_CHECKPOINTS, Duration.ofSeconds(5)).path("data");
            }

            @Override
            public Loaded loaded() {
                JsonNode health = worker.get(WorkerPaths.HEALTH, Duration.ofSeconds(5));
                return new Loaded(textOrNull(health.get("model")), textOrNull(health.get("vae")));
            }

            @Override
            public void load(String checkpoint, String vae) {
                ObjectNode body = Json.object().put("checkpoint", checkpoint);
                if (vae != null) {
                    body.put("vae", vae);
                }
                worker.post(WorkerPaths.SD_LOAD, body);
            }

            @Override
            public SseReader generate(ObjectNode request, boolean edit) {
                return worker.openStream(edit ? WorkerPaths.IMAGE_EDITS : WorkerPaths.IMAGE_GENERATIONS, request.put("stream", true));
            }

            @Override
            public JsonNode interrupt(String job) {
                return worker.post(WorkerPaths.IMAGE_INTERRUPT, Json.object().put("job", job));
            }

            @Override
            public SseReader jobEvents() {
                return worker.openEvents(WorkerPaths.IMAGE_JOB_EVENTS);
            }

            @Override
            public JsonNode capabilities() {
                return worker.get(WorkerPaths.IMAGE_CAPABILITIES, Duration.ofSeconds(5));
            }

            @Override
            public JsonNode upscale(ObjectNode extrasRequest) {
                return worker.post(WorkerPaths.A1111_EXTRA_SINGLE_IMAGE, extrasRequest);
            }

            private static String textOrNull(JsonNode v) {
                return v != null && v.isTextual() ? v.asText() : null;
            }
        };
    }
}
