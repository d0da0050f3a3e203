package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.Problem;
import java.nio.file.Path;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The SD engine of a worker: the loaded model and every ONNX Runtime call, all on one dedicated platform thread
 * (a long ORT run would pin a virtual thread's carrier; its big stack is what ORT's start-up needs). HTTP
 * handlers submit work and wait; {@link #model()} and {@link #loading()} answer at once for /health.
 */
public final class SdEngine implements AutoCloseable {
    /** Jobs waiting or running at most; more are refused with 429 rather than queued without bound. */
    static final int MAX_PENDING = 4;

    private final ModelFolders files;
    private final int threads;
    private final SdModel.Memory memory;
    private final SdPipeline pipeline;
    private final UpscalerModels upscalers;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("sd-engine").daemon().stackSize(16L << 20).unstarted(r));
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private volatile SdModel model;
    private volatile String loading;
    private volatile Upscaling upscaling;

    /** An extras upscale under way: tiles done of the current pass's, and when it started. */
    public record Upscaling(int done, int total, long startedAtMs) {}

    public SdEngine(ModelFolders files, int threads, SdModel.Memory memory, Supplier<ClipTokenizer> tokenizer) {
        this.files = files;
        this.threads = threads;
        this.memory = memory;
        this.upscalers = new UpscalerModels(name -> files.resolve(ModelFolders.Kind.UPSCALER, name), threads);
        this.pipeline = new SdPipeline(tokenizer, name -> files.resolve(ModelFolders.Kind.LORA, name),
                () -> files.list(ModelFolders.Kind.EMBEDDING), upscalers,
                new PreviewDecoders(() -> files.list(ModelFolders.Kind.VAE_APPROX), threads));
    }

    /** The loaded checkpoint's file name, or null. */
    public String model() {
        SdModel m = model;
        return m == null ? null : m.checkpointName();
    }

    public String vae() {
        SdModel m = model;
        return m == null ? null : m.vaeName();
    }

    /** How models are loaded: {@code balanced} or {@code low} (--sd-low-memory). */
    public String memory() {
        return memory.name().toLowerCase();
    }

    /** The checkpoint being loaded, or null. */
    public String loading() {
        return loading;
    }

    /** Loads a checkpoint (and VAE), replacing the current one; the old one is freed first so both never share memory. */
    public SdModel load(String checkpoint, String vae) {
        Path ck = files.resolve(ModelFolders.Kind.CHECKPOINT, checkpoint);
        Path vf = vae == null || vae.isBlank() ? null : files.resolve(ModelFolders.Kind.VAE, vae);
        return run(() -> {
            loading = ck.getFileName().toString();
            try {
                unloadNow();
                model = SdModel.load(ck, vf, threads, memory);
                return model;
            } finally {
                loading = null;
            }
        });
    }

    /** Starts loading in the background (the worker's --sd-model); failures are logged, /health shows the result. */
    public void loadInBackground(String checkpoint) {
        Thread.ofVirtual().name("sd-startup-load").start(() -> {
            try {
                load(checkpoint, null);
                System.err.println("sd-worker: loaded " + checkpoint);
            } catch (RuntimeException e) {
                System.err.println("sd-worker: could not load " + checkpoint + ": " + e.getMessage());
            }
        });
    }

    public void unload() {
        run(() -> {
            unloadNow();
            return null;
        });
    }

    private void unloadNow() {
        SdModel m = model;
        model = null;
        if (m != null) {
            m.close();
        }
    }

    /** Makes a request's images; its bounds were checked when its job was submitted ({@code ImageJobs.submit}). */
    public List<GeneratedImage> generate(GenerationRequest request, ProgressListener progress) {
        return run(() -> {
            SdModel m = model;
            if (m == null) {
                throw Problem.noModelLoaded("load a checkpoint with POST /v1/models/load");
            }
            return pipeline.generate(m, request, progress);
        });
    }

    /**
     * An image brought to {@code width x height} by an upscaler (A1111's extras tab): needs no checkpoint, and runs
     * on the engine thread between generations like any other ONNX Runtime work.
     */
    public RgbImage upscale(UpscaleMethod method, RgbImage image, int width, int height) {
        return run(() -> {
            long started = System.currentTimeMillis();
            upscaling = new Upscaling(0, 1, started);
            try {
                return upscalers.upscale(method, image, width, height,
                        (done, total) -> upscaling = new Upscaling(done, total, started));
            } finally {
                upscaling = null;
            }
        });
    }

    /** The extras upscale running now, or null. */
    public Upscaling upscaling() {
        return upscaling;
    }

    /** Runs a job on the engine thread and waits; the job's own Problem reaches the caller unchanged. */
    private <T> T run(Callable<T> job) {
        if (!pending.tryAcquire()) {
            throw Problem.busy("the image engine is busy with " + MAX_PENDING + " jobs; try again later");
        }
        try {
            Future<T> f = thread.submit(job);
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("interrupted", "interrupted while waiting for the image engine");
        } finally {
            pending.release();
        }
    }

    @Override
    public void close() {
        unload();
        run(() -> {
            upscalers.close();
            return null;
        });
        thread.shutdown();
    }
}
