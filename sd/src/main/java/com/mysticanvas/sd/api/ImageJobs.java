package com.mysticanvas.sd.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Limits;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.GenerationCancelledException;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.GeneratedImage;
import com.mysticanvas.sd.pipeline.ProgressListener.Stop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Consumer;

/**
 * The worker's image jobs: one runs at a time, the others wait in a bounded queue (a full queue is a
 * 429, not an unbounded backlog), any can be cancelled, and the recent ones stay looked up by id.
 */
public final class ImageJobs implements AutoCloseable {
    private static final int REMEMBERED = 32;

    private final SdEngine engine;
    private final Limits limits;
    private final LinkedBlockingDeque<ImageJob> waiting = new LinkedBlockingDeque<>();
    private final Map<String, ImageJob> recent = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ImageJob> eldest) {
            return size() > REMEMBERED;
        }
    };
    private final List<Consumer<ObjectNode>> observers = new CopyOnWriteArrayList<>();
    private final Thread dispatcher;
    private volatile ImageJob current;

    public ImageJobs(SdEngine engine, Limits limits) {
        this.engine = engine;
        this.limits = limits;
        this.dispatcher = Thread.ofVirtual().name("sd-jobs").start(this::dispatch);
    }

    /**
     * Queues a job. Its request is checked against the configured limits first, here and nowhere else: bad input is
     * a 400 now, not a failed job later, and nothing past the queue checks a bound again.
     */
    public ImageJob submit(GenerationRequest request) {
        request.validate(limits);
        if (engine.model() == null && engine.loading() == null) {
            throw Problem.noModelLoaded("load a checkpoint first (POST /v1/models/load or /sdapi/v1/options)");
        }
        ImageJob job = new ImageJob(request);
        synchronized (this) {
            if (waiting.size() >= limits.imageQueue()) {
                throw Problem.busy(limits.imageQueue() + " image jobs are already waiting; try again when one is done");
            }
            recent.put(job.id(), job);
            job.addListener(j -> notifyObservers(describe(j)));
            // Queued is told before the dispatcher can start the job, so observers hear its states in order.
            notifyObservers(job.describe().put("position", waiting.size() + 1));
            waiting.add(job);
        }
        return job;
    }

    /**
     * Hears every change of every job (queued, started, each step, its end) as {@link #describe}d at that
     * moment, on the thread that made the change; observers must not block.
     */
    public void addObserver(Consumer<ObjectNode> observer) {
        observers.add(observer);
    }

    public void removeObserver(Consumer<ObjectNode> observer) {
        observers.remove(observer);
    }

    private void notifyObservers(ObjectNode event) {
        observers.forEach(o -> o.accept(event));
    }

    /** {@link ImageJob#describe()} plus its place in the queue. */
    public ObjectNode describe(ImageJob job) {
        return job.describe().put("position", position(job));
    }

    public Optional<ImageJob> current() {
        return Optional.ofNullable(current);
    }

    public synchronized Optional<ImageJob> find(String id) {
        return Optional.ofNullable(recent.get(id));
    }

    /** Jobs waiting, in order. */
    public List<ImageJob> waiting() {
        return new ArrayList<>(waiting);
    }

    /** 1-based place in the queue (0 = running or finished). */
    public int position(ImageJob job) {
        int i = 1;
        for (ImageJob j : waiting) {
            if (j == job) {
                return i;
            }
            i++;
        }
        return 0;
    }

    /** Cancels a job: a waiting one never runs, a running one stops after its current step; false if it had ended. */
    public boolean cancel(ImageJob job) {
        return stop(job, Stop.CANCEL);
    }

    /** Stops the running job after its current step, as {@code how} says (A1111's interrupt and skip); waiting jobs go on. */
    public boolean stopCurrent(Stop how) {
        ImageJob running = current;
        return running != null && stop(running, how);
    }

    private boolean stop(ImageJob job, Stop how) {
        job.requestStop(how);
        if (waiting.remove(job)) {
            job.failed(new GenerationCancelledException(), true);
            return true;
        }
        // Taken by the dispatcher but maybe not yet current: it still sees the stop before it runs the job.
        return job.state() == ImageJob.State.QUEUED || job.state() == ImageJob.State.RUNNING;
    }

    private void dispatch() {
        while (!Thread.currentThread().isInterrupted()) {
            ImageJob job;
            try {
                job = waiting.take();
            } catch (InterruptedException e) {
                return;
            }
            current = job;
            List<GeneratedImage> images = null;
            RuntimeException error = null;
            try {
                if (job.stopRequested() == Stop.CANCEL) {
                    // Cancelled between leaving the queue and starting: it never runs.
                    throw new GenerationCancelledException();
                }
                job.started();
                images = engine.generate(job.request(), job);
            } catch (Problem | CancellationException e) {
                error = e;
            } catch (RuntimeException | Error e) {
                // Anything, even an Error, fails this job only: the dispatcher must live on for the next ones.
                error = Problem.internal("generation_failed",
                        "generation failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            current = null; // idle before anyone hears the outcome
            if (images != null) {
                job.finished(images);
            } else {
                job.failed(error, error instanceof CancellationException);
            }
        }
    }

    @Override
    public void close() {
        dispatcher.interrupt();
        waiting.forEach(this::cancel);
        stopCurrent(Stop.CANCEL);
    }
}
