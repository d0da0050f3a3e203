package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.llama.LlamaRuntime;
import com.mysticanvas.core.system.ComputeDevice;
import com.mysticanvas.core.system.NativeHeap;
import com.mysticanvas.llm.llama.Llama;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LlmEngine} on llama.cpp. All native work runs on ONE dedicated platform thread: the decode loop,
 * which between two decode steps also runs queued tasks (load, unload, tokenize, embed, admitting requests).
 * Callers (Javalin's virtual threads) only wait for results, so no carrier thread is ever pinned by a downcall.
 *
 * <p>A throwable that escapes a decode step ends the thread for good: the engine is then failed, and says so
 * ({@link EngineStatus#failure()}); requests in flight and waiting fail, and every call after it fails at once
 * (unavailable, {@code engine_failed}) instead of waiting for a thread that is gone.
 */
public final class LlamaEngine implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaEngine.class);

    private final int defaultThreads;
    private final int queueLimit;
    private final LinkedBlockingQueue<Task> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** What ended the engine thread while it was meant to run (it escaped a decode step or a task), or null. */
    private volatile Throwable died;
    /** Set by the engine thread as it ends, before it refuses the tasks left in the inbox. */
    private volatile boolean ended;
    private volatile boolean abortLoad;
    private volatile boolean held;
    private volatile EngineStatus status = new EngineStatus(null, null, 0, null, 0, 0, 0, 0, null, List.of(),
            EngineCounters.NONE);
    private EngineCounters counters = EngineCounters.NONE;

    // Engine thread only.
    private LoadedModel model;
    private Scheduler scheduler;
    private String loading;
    private double loadProgress;
    private String lastError;
    private double lastPromptPerSecond;
    private double lastGenerationPerSecond;
    private final int maxTokensCap;

    /**
     * @param defaultThreads threads when a load does not say (the worker's {@code --llm-threads})
     * @param queueLimit     requests that may wait for a slot before new ones get a 503
     * @param maxTokensCap   most tokens one reply may generate ({@code --max-tokens}); 0: up to the context
     */
    public LlamaEngine(int defaultThreads, int queueLimit, int maxTokensCap) {
        this.defaultThreads = defaultThreads;
        this.queueLimit = queueLimit;
        this.maxTokensCap = maxTokensCap;
        this.thread = Thread.ofPlatform().name("llama-engine").daemon().unstarted(this::loop);
        thread.start();
    }

    @Override
    public ModelInfo load(Path file, String name, LoadOptions options) {
        abortLoad = false;
        return onEngine(() -> {
            unloadNow("model '" + name + "' is being loaded instead");
            loading = name;
            loadProgress = 0;
            lastError = null;
            publish();
            LOG.info("loading {} ({})", name, options);
            int[] lastTenth = {-1};
            try {
                LlamaRuntime.load();
                model = ModelLoader.load(file, name, options, defaultThreads, p -> {
                    loadProgress = p;
                    int tenth = (int) (p * 10);
                    if (tenth != lastTenth[0]) {
                        lastTenth[0] = tenth;
                        LOG.info("loading {}: {}%", name, tenth * 10);
                        publish();
                    }
                    return running && !abortLoad;
                });
                scheduler = new Scheduler(model, this::finished);
                ModelInfo info = model.info();
                LOG.info("loaded {}: {}, {} parameters, context {} ({} per slot, {} slots), {} threads, {} ms",
                        name, info.description(), info.parameters(), info.contextSize(), info.slotContext(),
                        info.slots(), info.threads(), info.loadMillis());
                return info;
            } catch (RuntimeException e) {
                lastError = e.getMessage();
                LOG.warn("{}", e.getMessage());
                throw e;
            } finally {
                loading = null;
                publish();
            }
        });
    }

    @Override
    public void unload() {
        abortLoad = true; // a load still running stops at its next progress report
        onEngine(() -> {
            unloadNow("the model was unloaded");
            publish();
            return null;
        });
        System.gc(); // unloading is rare and users expect the memory back: let the JVM shrink too
    }

    @Override
    public Generation submit(PromptSource prompt, GenerationRequest asked) {
        GenerationRequest request = maxTokensCap > 0 && asked.maxTokens() > maxTokensCap ? asked.withMaxTokens(maxTokensCap) : asked;
        return withModel(m -> {
            ModelInfo info = m.info();
            if (!info.generates()) {
                throw Problem.badInput("model '" + info.file() + "' only makes embeddings; it cannot generate text");
            }
            if (scheduler.busy() + scheduler.queued() >= info.slots() + queueLimit) {
                throw Problem.unavailable("queue_full", "all " + info.slots() + " slots are busy and "
                        + scheduler.queued() + " requests are waiting; try again later");
            }
            int[] tokens = prompt.tokens(m);
            if (tokens.length == 0) {
                throw Problem.badInput("the prompt is empty");
            }
            m.checkTokens(tokens, "the prompt");
            int room = Math.min(request.minReply(), info.slotContext() / 2);
            if (tokens.length + Math.max(room, 1) > info.slotContext()) {
                throw Problem.badInput("context_length_exceeded", "the prompt has " + tokens.length + " tokens"
                        + (room > 1 ? " and needs room for " + room + " more" : "")
                        + " but a request can have " + info.slotContext() + " (n_ctx "
                        + info.contextSize() + ", shared by " + info.slots() + " slots, and the model's trained context "
                        + info.trainContext() + "); shorten it or load with a larger n_ctx");
            }
            MemorySegment sampler = SamplerChain.create(m, request.sampling(), tokens);
            Generation handle = new Generation();
            scheduler.enqueue(new Scheduler.Queued(handle, request, tokens, sampler));
            publish();
            return handle;
        });
    }

    @Override
    public <T> T withModel(Function<LoadedModel, T> work) {
        Problem stopped = stopped();
        if (stopped != null) {
            throw stopped;
        }
        EngineStatus now = status;
        if (now.model() == null && now.loading() == null) {
            throw Problem.noModelLoaded("load one with POST /v1/llm/load");
        }
        return onEngine(() -> {
            if (model == null) {
                throw loading != null
                        ? Problem.unavailable("model_loading", "model '" + loading + "' is still loading; try again shortly")
                        : Problem.noModelLoaded("load one with POST /v1/llm/load");
            }
            return work.apply(model);
        });
    }

    @Override
    public List<ComputeDevice> devices() {
        return Llama.devices();
    }

    @Override
    public EngineStatus status() {
        return status;
    }

    @Override
    public void close() {
        running = false;
        abortLoad = true;
        inbox.add(() -> { }); // wakes the loop
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Tests: stops (true) or resumes (false) decode steps; tasks such as submit keep running. Returns once
     * the engine thread took it, i.e. between two steps, with the status of the last step published.
     */
    void holdSteps(boolean hold) {
        onEngine(() -> held = hold);
    }

    /**
     * Tests: runs {@code step} on the engine thread the way a decode step runs, outside the guard every task has,
     * so that what it throws ends the engine thread (nothing else can make that happen on purpose). Returns at once.
     */
    void runAsStep(Runnable step) {
        inbox.add(step::run);
    }

    // ---- engine thread ----------------------------------------------------------------------------

    private void loop() {
        try {
            while (running) {
                boolean busy = !held && scheduler != null && scheduler.hasWork();
                Task task = busy ? inbox.poll() : inbox.take();
                while (task != null) {
                    task.run();
                    task = inbox.poll();
                }
                if (!held && scheduler != null && scheduler.hasWork()) {
                    scheduler.step();
                    publish();
                }
            }
        } catch (Throwable t) { // an interrupt too: nothing interrupts this thread on purpose, close() clears running
            died = t;
            LOG.error("the engine thread failed; every request fails until the LLM worker is restarted", t);
        } finally {
            end();
        }
    }

    /**
     * The engine thread's last work: the status says why it stopped (first, so whoever sees a failure below finds
     * it there), requests in flight and waiting fail, the model is freed, and calls still in the inbox are refused.
     */
    private void end() {
        ended = true;
        Problem why = stopped();
        publish();
        try {
            unloadNow(why);
        } catch (Throwable t) {
            LOG.error("could not free the model after the engine stopped", t);
            model = null;
            scheduler = null;
        }
        refusePending();
        publish();
    }

    /** The problem a call gets from an engine that no longer runs, or null while it runs. */
    private Problem stopped() {
        Throwable cause = died;
        if (cause != null) {
            return new Problem(Problem.Kind.UNAVAILABLE, EngineStatus.ENGINE_FAILED,
                    "the LLM engine failed and stopped (" + cause + "); the LLM worker must be restarted", cause);
        }
        return running && !ended ? null : Problem.unavailable("shutting_down", "the LLM engine is shutting down");
    }

    /** Refuses every task in the inbox: the engine thread will never run them. */
    private void refusePending() {
        for (Task task = inbox.poll(); task != null; task = inbox.poll()) {
            task.refuse(stopped());
        }
    }

    private void unloadNow(String why) {
        unloadNow(Problem.unavailable("model_unloaded", why));
    }

    /** Frees the model; requests in flight and waiting fail with {@code why}. */
    private void unloadNow(Problem why) {
        if (model == null) {
            return;
        }
        scheduler.failAll(why);
        String name = model.info().file();
        model.close();
        model = null;
        scheduler = null;
        NativeHeap.trim();
        LOG.info("unloaded {}", name);
    }

    private void finished(Usage usage) {
        counters = counters.plus(usage);
        if (usage.promptPerSecond() > 0) {
            lastPromptPerSecond = usage.promptPerSecond();
        }
        if (usage.genPerSecond() > 0) {
            lastGenerationPerSecond = usage.genPerSecond();
        }
    }

    private void publish() {
        Problem stopped = died == null ? null : stopped();
        if (stopped != null) {
            status = new EngineStatus(null, null, 0, lastError, 0, 0, lastPromptPerSecond, lastGenerationPerSecond,
                    stopped.getMessage(), List.of(), counters);
            return;
        }
        status = new EngineStatus(model == null ? null : model.info(), loading, loadProgress, lastError,
                scheduler == null ? 0 : scheduler.busy(), scheduler == null ? 0 : scheduler.queued(),
                lastPromptPerSecond, lastGenerationPerSecond, null, scheduler == null ? List.of() : scheduler.slots(),
                counters);
    }

    /**
     * Runs {@code work} on the engine thread and waits for it; its exceptions reach the caller unchanged. An engine
     * that no longer runs refuses it at once ({@link #stopped}), also when it ends while the work waits in the inbox.
     */
    private <T> T onEngine(Supplier<T> work) {
        if (Thread.currentThread() == thread) {
            return work.get();
        }
        Problem stopped = stopped();
        if (stopped != null) {
            throw stopped;
        }
        Call<T> call = new Call<>(work);
        inbox.add(call);
        if (ended) {
            refusePending(); // the engine thread ended after the check above and may have emptied the inbox before the add
        }
        try {
            return call.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("interrupted", "interrupted while waiting for the LLM engine");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Work for the engine thread; what escapes {@link #run} ends the thread. */
    private interface Task {
        void run();

        /** The engine thread ended before running it. */
        default void refuse(Problem why) { }
    }

    /** A caller's work: whatever it throws goes to the caller, never to the engine thread. */
    private static final class Call<T> implements Task {
        final Supplier<T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Call(Supplier<T> work) {
            this.work = work;
        }

        @Override
        public void run() {
            try {
                result.complete(work.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }

        @Override
        public void refuse(Problem why) {
            result.completeExceptionally(why);
        }
    }
}
