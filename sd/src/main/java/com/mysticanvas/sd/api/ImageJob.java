package com.mysticanvas.sd.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.sd.pipeline.GeneratedImage;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.ProgressListener;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One generation: queued, then running (step by step, with a cheap preview), then done, failed or
 * cancelled. Listeners hear every change; {@link #result()} completes with the images or the error.
 */
public final class ImageJob implements ProgressListener {
    public enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED }

    private final String id = "job-" + UUID.randomUUID().toString().substring(0, 8);
    private final GenerationRequest request;
    private final long createdAtMs = System.currentTimeMillis();
    private final CompletableFuture<List<GeneratedImage>> result = new CompletableFuture<>();
    private final List<Consumer<ImageJob>> listeners = new CopyOnWriteArrayList<>();
    private volatile State state = State.QUEUED;
    private volatile int image;
    private volatile int step;
    private volatile int steps;
    private volatile byte[] preview;
    private volatile long startedAtMs;
    private volatile Stop stopRequested; // null while the job may go on

    ImageJob(GenerationRequest request) {
        this.request = request;
    }

    public String id() {
        return id;
    }

    public GenerationRequest request() {
        return request;
    }

    public State state() {
        return state;
    }

    /** 0-based image of the batch being made. */
    public int image() {
        return image;
    }

    public int images() {
        return request.batchCount();
    }

    public int step() {
        return step;
    }

    public int steps() {
        return steps;
    }

    /** The latest step preview (small PNG), or null before the first step. */
    public byte[] preview() {
        return preview;
    }

    public long createdAtMs() {
        return createdAtMs;
    }

    public long startedAtMs() {
        return startedAtMs;
    }

    /** Done so far across the batch, 0..1. */
    public double fraction() {
        return switch (state) {
            case DONE -> 1;
            case QUEUED -> 0;
            default -> steps == 0 ? 0 : (image + (double) step / steps) / images();
        };
    }

    /** Where the job stands: {@code job, state, step, steps, image, n, progress} (no preview). */
    public ObjectNode describe() {
        return Json.object().put("job", id).put("state", state.name().toLowerCase()).put("step", step)
                .put("steps", steps).put("image", image).put("n", images()).put("progress", fraction());
    }

    public CompletableFuture<List<GeneratedImage>> result() {
        return result;
    }

    /** The stop asked for and not carried out yet, or null. */
    public Stop stopRequested() {
        return stopRequested;
    }

    public void addListener(Consumer<ImageJob> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<ImageJob> listener) {
        listeners.remove(listener);
    }

    void requestStop(Stop how) {
        stopRequested = how;
    }

    void started() {
        startedAtMs = System.currentTimeMillis();
        state = State.RUNNING;
        notifyListeners();
    }

    /** Called by the engine after each step; false asks it to stop. */
    @Override
    public boolean onStep(int image, int images, int step, int steps, Supplier<byte[]> preview) {
        this.image = image;
        this.step = step;
        this.steps = steps;
        this.preview = preview.get();
        notifyListeners();
        return stopRequested == null;
    }

    /** How to stop; a skip is carried out once, then the batch goes on. */
    @Override
    public Stop stop() {
        Stop how = stopRequested;
        if (how == Stop.SKIP) {
            stopRequested = null;
        }
        return how == null ? Stop.CANCEL : how;
    }

    void finished(List<GeneratedImage> images) {
        state = State.DONE;
        result.complete(images);
        notifyListeners();
    }

    void failed(RuntimeException error, boolean cancelled) {
        state = cancelled ? State.CANCELLED : State.FAILED;
        result.completeExceptionally(error);
        notifyListeners();
    }

    private void notifyListeners() {
        listeners.forEach(l -> l.accept(this));
    }
}
