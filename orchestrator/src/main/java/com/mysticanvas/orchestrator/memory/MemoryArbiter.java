package com.mysticanvas.orchestrator.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.system.SystemMemory;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.workers.LlmWorkerApi;
import com.mysticanvas.orchestrator.workers.WorkerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Decides whether an image job or a model load fits in memory beside the other worker's model, and
 * under the {@link MemoryPolicy} unloads the language model for image work and loads it again after.
 * Work that cannot fit is refused with a 507 before it starts, so the machine never runs out of memory
 * half-way. Estimates are deliberately simple (documented in docs/security.md); the measurement they
 * start from is real: the kernel's available memory and the workers' resident sets.
 */
public final class MemoryArbiter {
    /** Activations per output pixel of an SD 1.x image job (UNet with CFG, tiled VAE decode), measured on SD 1.5. */
    static final long IMAGE_BYTES_PER_PIXEL = 6 * 1024;
    /** Weights of a GGUF in memory relative to its file (mapped file plus KV cache and compute buffers). */
    static final double LLM_LOAD_FACTOR = 1.2;
    /** The same without the KV cache, which the worker's estimate counts for the chosen context. */
    static final double LLM_WEIGHTS_FACTOR = 1.05;
    /** An SD checkpoint's load peak relative to its f16 file (most weights cast to f32 for the CPU), measured on SD 1.5. */
    static final double SD_LOAD_FACTOR = 1.7;

    private final MemoryPolicy policy;
    private final long budgetBytes;
    private final int maxImageSide;
    private final ModelFolders models;
    private final Supplier<Map<String, WorkerStatus>> workers;

    /** A worker on another machine is never arbitrated here (memory arbitration is for local workers only). */
    private boolean remote(WorkerKind kind) {
        WorkerStatus w = workers.get().get(kind.id());
        return w != null && w.remote();
    }
    private final Supplier<SystemMemory.Snapshot> system;
    private final LlmWorkerApi llm;
    private final BiConsumer<String, Object> publish;
    private int imageJobs;
    private String unloadedLlmModel;

    /**
     * @param workers both workers' statuses by id (what is loaded, resident memory)
     * @param system  the machine's memory now
     * @param llm     the language model backend the policy may unload and load again
     */
    public MemoryArbiter(MemoryPolicy policy, long budgetBytes, int maxImageSide, ModelFolders models,
                         Supplier<Map<String, WorkerStatus>> workers, Supplier<SystemMemory.Snapshot> system,
                         LlmWorkerApi llm, BiConsumer<String, Object> publish) {
        this.policy = policy;
        this.budgetBytes = budgetBytes;
        this.maxImageSide = maxImageSide;
        this.models = models;
        this.workers = workers;
        this.system = system;
        this.llm = llm;
        this.publish = publish;
    }

    /** Released when an image job ends; the last one to end loads the language model back if we unloaded it. */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /** Before an image job of {@code size}: makes room if the policy allows, or refuses it as insufficient memory. */
    public Permit beforeImageJob(ImageSize size) {
        int width = size.width();
        int height = size.height();
        if (remote(WorkerKind.SD)) {
            return () -> { }; // its memory is another machine's
        }
        if (width > maxImageSide || height > maxImageSide) {
            return () -> { }; // an invalid size: the worker answers the 400 that says so
        }
        long need = Math.max(64L << 20, (long) Math.max(width, 64) * Math.max(height, 64) * IMAGE_BYTES_PER_PIXEL);
        synchronized (this) {
            String llmModel = llmModel();
            boolean unload = llmModel != null && switch (policy) {
                case UNLOAD_LLM_FOR_IMAGES -> true;
                case AUTO -> need > available();
                case KEEP_BOTH -> false;
            };
            long freed = unload ? llmModelBytes(llmModel) : 0;
            if (need > available() + freed) {
                throw refuse("a " + width + "x" + height + " image", need, available() + freed);
            }
            if (unload) {
                llm.unload();
                unloadedLlmModel = llmModel;
                publish.accept("memory", event("llm-unloaded", "the language model " + llmModel
                        + " was unloaded to make room for an image; it comes back when the image is done"));
            }
            imageJobs++;
        }
        return this::imageJobDone;
    }

    /** Before loading {@code model} into {@code kind}'s worker: refuses with 507 what cannot fit. */
    public void beforeModelLoad(WorkerKind kind, String model) {
        beforeModelLoad(kind, model, null);
    }

    /**
     * As {@link #beforeModelLoad(WorkerKind, String)}; for the language model, {@code loadBody} (the load's options:
     * {@code n_ctx}, cache types ...; null: the defaults) sizes the KV cache, as the worker estimates it.
     */
    public void beforeModelLoad(WorkerKind kind, String model, ObjectNode loadBody) {
        if (model == null || model.isBlank() || remote(kind)) {
            return; // the worker itself answers the 400; a remote worker's memory is another machine's
        }
        long need = kind == WorkerKind.LLM ? llmLoadBytes(model, loadBody) : modelBytes(kind, model);
        if (need == 0) {
            return; // no such file: the worker answers the 404
        }
        synchronized (this) {
            WorkerStatus self = workers.get().get(kind.id());
            long replaced = self == null || self.model() == null ? 0 : modelBytes(kind, self.model());
            long available = available() + replaced;
            String llmModel = llmModel();
            boolean canUnloadLlm = kind == WorkerKind.SD && llmModel != null && policy != MemoryPolicy.KEEP_BOTH;
            if (need > available && canUnloadLlm && need <= available + llmModelBytes(llmModel)) {
                llm.unload();
                publish.accept("memory", event("llm-unloaded", "the language model " + llmModel
                        + " was unloaded to make room for the image model " + model));
                return;
            }
            if (need > available) {
                throw refuse("the model " + model, need, available);
            }
        }
    }

    /** What the UI and {@code /api/memory} show. */
    public synchronized ObjectNode describe() {
        SystemMemory.Snapshot s = system.get();
        ObjectNode out = Json.object().put("policy", policy.id()).put("budgetBytes", budgetBytes)
                .put("ramTotal", s.ramTotal()).put("ramAvailable", s.ramAvailable()).put("usable", available())
                .put("imageJobs", imageJobs).put("llmUnloadedForImages", unloadedLlmModel);
        if (s.vramTotal() != null) {
            out.put("vramTotal", s.vramTotal()).put("vramFree", s.vramFree());
        }
        ObjectNode rss = out.putObject("workerRss");
        workers.get().forEach((name, w) -> rss.put(name, w.rssBytes()));
        return out;
    }

    private void imageJobDone() {
        String reload;
        synchronized (this) {
            imageJobs--;
            if (imageJobs > 0 || unloadedLlmModel == null) {
                return;
            }
            reload = unloadedLlmModel;
            unloadedLlmModel = null;
        }
        Thread.ofVirtual().name("llm-reload").start(() -> {
            try {
                llm.load(reload);
                publish.accept("memory", event("llm-reloaded", "the language model " + reload + " is loaded again"));
            } catch (RuntimeException e) {
                publish.accept("memory", event("llm-reload-failed", "could not load " + reload + " again: " + e.getMessage()));
            }
        });
    }

    /** Memory we may use now: what the kernel says is available, capped by the budget, less a safety reserve. */
    long available() {
        SystemMemory.Snapshot s = system.get();
        long available = s.ramAvailable();
        if (budgetBytes > 0) {
            long used = workers.get().values().stream().mapToLong(w -> w.rssBytes() == null ? 0 : w.rssBytes()).sum();
            available = Math.min(available, budgetBytes - used);
        }
        long reserve = Math.min(512L << 20, s.ramTotal() / 20);
        return available - reserve;
    }

    /** The local language model's file (null when none, or when the LLM worker is remote: unloading it frees nothing here). */
    private String llmModel() {
        WorkerStatus status = workers.get().get(WorkerKind.LLM.id());
        return status == null || status.remote() ? null : status.model();
    }

    private long llmModelBytes(String model) {
        return modelBytes(WorkerKind.LLM, model);
    }

    /**
     * What loading a GGUF with these options takes: its weights (plus compute buffers) and the KV cache of the
     * context the load will have, as the LLM worker works them out from the header; from the file's size alone when
     * the worker cannot say (not running, an unusual layout). 0 for a name that is no file.
     */
    private long llmLoadBytes(String model, ObjectNode loadBody) {
        long fromFile = modelBytes(WorkerKind.LLM, model);
        if (fromFile == 0) {
            return 0;
        }
        try {
            ObjectNode body = loadBody == null ? Json.object() : loadBody.deepCopy();
            JsonNode e = llm.estimate(body.put("model", model));
            long kv = e.path("kv_bytes").asLong(-1);
            return kv < 0 ? fromFile : (long) (e.path("weights_bytes").asLong() * LLM_WEIGHTS_FACTOR) + kv;
        } catch (Problem unknown) {
            return fromFile;
        }
    }

    /** What loading {@code model} takes, from its file's size; 0 for a name that is no file (the worker answers why). */
    private long modelBytes(WorkerKind kind, String model) {
        try {
            long size = Files.size(models.resolve(kind == WorkerKind.LLM ? ModelFolders.Kind.LLM : ModelFolders.Kind.CHECKPOINT, model));
            return (long) (size * (kind == WorkerKind.LLM ? LLM_LOAD_FACTOR : SD_LOAD_FACTOR));
        } catch (Problem | IOException e) {
            return 0;
        }
    }

    private Problem refuse(String what, long need, long available) {
        String hint = switch (policy) {
            case KEEP_BOTH -> "unload the other model, close other programs, or start with --memory-policy auto";
            default -> "close other programs, use a smaller size, or raise --memory-budget-mb";
        };
        return new Problem(Problem.Kind.INSUFFICIENT_MEMORY, "insufficient_memory", String.format(Locale.ROOT,
                "not enough memory for %s: it needs about %s and %s is available (memory policy %s); %s",
                what, gb(need), gb(Math.max(0, available)), policy.id(), hint));
    }

    private static String gb(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%d MB", bytes >> 20);
    }

    private static ObjectNode event(String kind, String message) {
        return Json.object().put("kind", kind).put("message", message);
    }
}
