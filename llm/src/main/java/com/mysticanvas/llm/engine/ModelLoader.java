package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.gguf.GgufFormatException;
import com.mysticanvas.llm.gguf.GgufInfo;
import com.mysticanvas.llm.gguf.GgufReader;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.llama.LlamaLog;
import com.mysticanvas.llm.llama.LlamaStructs;
import com.mysticanvas.llm.llama.LoadProgress;
import com.mysticanvas.core.system.SystemMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a GGUF into llama.cpp and creates its context, after checking in Java what would otherwise abort the
 * process (values llama.cpp asserts on, a KV cache larger than the memory there is). Every refusal is a 400
 * naming the file and the reason (llama.cpp's own, from its log, when it is the one refusing).
 */
final class ModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);
    /** Longest embedding input in one pass by default (the compute buffer grows with it). */
    private static final int MAX_EMBEDDING_BATCH = 8192;
    /** LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS of src/llama-hparams.h. */
    private static final int MAX_LAYERS = 512, MAX_EXPERTS = 1024;

    private ModelLoader() {}

    /**
     * Loads {@code file} and creates its context. A file llama.cpp refuses is a 400 naming the file and, from
     * llama.cpp's log, the reason.
     *
     * @param name     the file name reported to clients
     * @param progress receives 0..1; returning false aborts the load
     */
    static LoadedModel load(Path file, String name, LoadOptions options, int defaultThreads,
                            LoadProgress.Listener progress) {
        long started = System.nanoTime();
        GgufInfo header = readHeader(file, name);
        Plan plan = Plan.of(header, options, defaultThreads);
        long kvBytes = checkMemoryFor(header, plan.contextSize(), options, name);
        int gpuLayers = options.gpuLayers();
        if (gpuLayers == LoadOptions.GPU_LAYERS_AUTO) {
            long free = Llama.gpuFreeBytes();
            gpuLayers = free < 0 ? 0 : GpuLayerFit.layers(header, free, Math.max(0, kvBytes), options.microBatchTokens(),
                    options.cpuMoeLayers());
            LOG.info("n_gpu_layers auto for {}: {} ({} free on the GPU)", name, gpuLayers,
                    free < 0 ? "no GPU" : String.format("%.1f GB", free / 1e9));
        }
        plan = plan.withGpuLayers(gpuLayers);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment modelParams = Llama.modelDefaultParams(call);
            LlamaStructs.field(LlamaStructs.MODEL_PARAMS, "n_gpu_layers").set(modelParams, 0L, gpuLayers);
            if (options.cpuMoeLayers() > 0) {
                LlamaStructs.field(LlamaStructs.MODEL_PARAMS, "tensor_buft_overrides").set(modelParams, 0L,
                        expertsOnCpu(options.cpuMoeLayers(), call));
            }
            LlamaStructs.field(LlamaStructs.MODEL_PARAMS, "progress_callback").set(modelParams, 0L,
                    LoadProgress.install(progress));
            var loaded = LlamaLog.capturingErrors(() -> Llama.modelLoadFromFile(call.allocateFrom(file.toString()), modelParams));
            MemorySegment model = loaded.value();
            if (MemorySegment.NULL.equals(model)) {
                throw loadFailed(name, loaded.reason("llama.cpp refused the file (no reason given)"));
            }
            try {
                return withContext(model, name, header, plan, started, call);
            } catch (Throwable e) {
                Llama.modelFree(model);
                throw e;
            }
        }
    }

    static LoadOptions.Estimate estimate(Path file, String name, LoadOptions options) {
        GgufInfo header = readHeader(file, name);
        int contextSize = Plan.of(header, options, 1).contextSize();
        long perToken = KvCacheSize.bytesPerToken(header, options.cacheTypeK(), options.cacheTypeV());
        return new LoadOptions.Estimate(contextSize, header.fileSize(), perToken < 0 ? -1 : perToken * contextSize);
    }

    /** One request's context: the sequence's (all of it, the cache being shared), at most what the model was trained on. */
    static int slotContext(int sequenceContext, int trainContext) {
        return trainContext > 0 ? Math.min(sequenceContext, trainContext) : sequenceContext;
    }

    /**
     * llama-server's {@code --n-cpu-moe N}: a {@code tensor_buft_overrides} array (pattern, buffer type; ended by a null
     * pattern) keeping the experts of layers 0..N-1 in CPU memory.
     */
    private static MemorySegment expertsOnCpu(int layers, Arena arena) {
        MemorySegment cpu = Llama.cpuBufferType();
        MemorySegment overrides = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, 2L * (layers + 1));
        for (int i = 0; i < layers; i++) {
            overrides.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 2L * i,
                    arena.allocateFrom("blk\\." + i + "\\.ffn_(up|down|gate)_(ch|)exps"));
            overrides.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 2L * i + 1, cpu);
        }
        return overrides; // the last pair stays NULL: the end of the list
    }

    /** Threads, slots, context size and GPU layers for a load, decided from the request and the GGUF header. */
    private record Plan(int threads, int parallel, int contextSize, LoadOptions options) {
        Plan withGpuLayers(int layers) {
            LoadOptions o = options;
            return new Plan(threads, parallel, contextSize, new LoadOptions(contextSize, threads, layers, parallel,
                    o.flashAttention(), o.cacheTypeK(), o.cacheTypeV(), o.batch(), o.microBatch(), o.cpuMoeLayers()));
        }

        static Plan of(GgufInfo header, LoadOptions options, int defaultThreads) {
            int cores = Runtime.getRuntime().availableProcessors();
            int threads = Math.min(options.threads() > 0 ? options.threads() : Math.max(1, defaultThreads), cores);
            if (options.threads() > cores) {
                // Threads beyond the free cores make ggml's thread barrier spin and starve (facts, ffm-llama-ggml.md).
                LOG.warn("{} threads requested but only {} cores; using {}", options.threads(), cores, threads);
            }
            int parallel = options.parallel() > 0 ? options.parallel() : LoadOptions.DEFAULT_PARALLEL;
            long train = header.contextLength() > 0 ? header.contextLength() : LoadOptions.DEFAULT_SLOT_CONTEXT;
            int perSlot = (int) Math.min(train, LoadOptions.DEFAULT_SLOT_CONTEXT);
            int contextSize = options.contextSize() > 0 ? options.contextSize() : perSlot * parallel;
            return new Plan(threads, parallel, contextSize, options);
        }
    }

    /** Creates {@code model}'s context and checks it; a failure once the context exists frees it (the caller frees the model). */
    private static LoadedModel withContext(MemorySegment model, String name, GgufInfo header, Plan plan, long started,
                                           Arena call) {
        boolean hasEncoder = Llama.modelHasEncoder(model);
        // BERT-style models (bidirectional attention: <arch>.attention.causal false, or a BERT architecture) are
        // embedding models: llama.cpp runs them as decoders, but they cannot continue text.
        boolean generates = Llama.modelHasDecoder(model) && !hasEncoder && !bidirectional(header);
        // Models that pool embeddings get one sequence of their own for /v1/embeddings.
        boolean pools = header.poolingType() > 0 || hasEncoder;
        int sequences = generates ? plan.parallel() + (pools ? 1 : 0) : 1;
        int contextSize = plan.contextSize();
        if (contextSize < sequences * 16) {
            throw Problem.badInput("n_ctx " + contextSize + " is too small for " + sequences
                    + " sequences of at least 16 tokens each");
        }
        MemorySegment params = Llama.contextDefaultParams(call);
        set(params, "n_ctx", contextSize);
        LoadOptions o = plan.options();
        if (!generates && o.batch() == 0) {
            // an embedding model computes an input in one pass: batches as long as an input may be (its context)
            int whole = Math.min(contextSize, MAX_EMBEDDING_BATCH);
            o = new LoadOptions(o.contextSize(), o.threads(), o.gpuLayers(), o.parallel(), o.flashAttention(),
                    o.cacheTypeK(), o.cacheTypeV(), whole, whole, o.cpuMoeLayers());
        }
        set(params, "n_batch", o.batchTokens());
        set(params, "n_ubatch", o.microBatchTokens());
        set(params, "flash_attn_type", o.flashAttention().code);
        set(params, "type_k", o.cacheTypeK().code);
        set(params, "type_v", o.cacheTypeV().code);
        set(params, "n_seq_max", sequences);
        set(params, "n_threads", plan.threads());
        set(params, "n_threads_batch", plan.threads());
        LlamaStructs.field(LlamaStructs.CONTEXT_PARAMS, "embeddings").set(params, 0L, !generates);
        // One KV cache shared by the slots (llama-server's --kv-unified), so that one long conversation can use the
        // whole context instead of a fixed share of it; the scheduler frees idle conversations' caches for room.
        // MEAN pooling over sequences of different lengths is wrong without it too (facts).
        LlamaStructs.field(LlamaStructs.CONTEXT_PARAMS, "kv_unified").set(params, 0L,
                generates || header.poolingType() == Llama.POOLING_MEAN);
        var created = LlamaLog.capturingErrors(() -> Llama.initFromModel(model, params));
        MemorySegment ctx = created.value();
        if (MemorySegment.NULL.equals(ctx)) {
            throw loadFailed(name, "cannot create a context of " + contextSize + " tokens: "
                    + created.reason("llama.cpp gave no reason"));
        }
        try {
            int pooling = Llama.poolingType(ctx);
            if (pooling < Llama.POOLING_NONE || pooling > Llama.POOLING_RANK) {
                // llama.cpp makes the context, then GGML_ABORTs the process at the first embedding it computes.
                throw loadFailed(name, header.architecture() + ".pooling_type is " + pooling + ", a pooling llama.cpp "
                        + "does not know (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
            }
            MemorySegment vocab = Llama.modelVocab(model);
            int vocabSize = Llama.vocabNTokens(vocab);
            ModelInfo info = new ModelInfo(name, Llama.modelDesc(model, call), Llama.modelNParams(model),
                    Llama.modelSize(model), Llama.modelNCtxTrain(model), Llama.nCtx(ctx),
                    slotContext(Llama.nCtxSeq(ctx), Llama.modelNCtxTrain(model)),
                    generates ? plan.parallel() : 0, plan.threads(), vocabSize, embeddingSize(model, pooling),
                    Math.max(pooling, 0), generates, Llama.modelChatTemplate(model),
                    textOf(vocab, Llama.vocabBos(vocab), vocabSize), textOf(vocab, Llama.vocabEos(vocab), vocabSize),
                    (System.nanoTime() - started) / 1_000_000, o);
            return new LoadedModel(model, ctx, info, hasEncoder, pooling > 0 ? sequences - 1 : -1);
        } catch (Throwable e) {
            Llama.free(ctx); // the caller frees the model
            throw e;
        }
    }

    /** Architectures whose attention sees the whole input (llama.cpp's BERT family), unless the header says otherwise. */
    private static final java.util.Set<String> BERT_FAMILY = java.util.Set.of("bert", "nomic-bert", "nomic-bert-moe",
            "jina-bert-v2", "jina-bert-v3", "neo-bert", "modern-bert", "eurobert");

    static boolean bidirectional(GgufInfo header) {
        Object causal = header.metadata().get(header.architecture() + ".attention.causal");
        return causal instanceof Boolean b ? !b : BERT_FAMILY.contains(header.architecture());
    }

    /** Floats in one pooled embedding, as llama.cpp fills them: the classifier's outputs for rank pooling. */
    private static int embeddingSize(MemorySegment model, int pooling) {
        return pooling == Llama.POOLING_RANK ? Llama.modelNClsOut(model) : Llama.modelNEmbdOut(model);
    }

    private static String textOf(MemorySegment vocab, int token, int vocabSize) {
        return token < 0 || token >= vocabSize ? "" : Llama.vocabText(vocab, token);
    }

    /**
     * Refuses a context whose KV cache (of the chosen element types, every layer) cannot fit in the memory available
     * now: llama.cpp would try, and the kernel's OOM killer would end the worker instead of a clear 400. Returns the
     * KV cache's bytes (-1: not a layout we can estimate).
     */
    private static long checkMemoryFor(GgufInfo header, long contextSize, LoadOptions options, String name) {
        long perToken = KvCacheSize.bytesPerToken(header, options.cacheTypeK(), options.cacheTypeV());
        long available = SystemMemory.ram().available();
        if (perToken <= 0) {
            return -1; // not a layout we can estimate: let llama.cpp decide
        }
        long kvBytes = perToken * contextSize;
        if (available > 0 && kvBytes > available) {
            throw Problem.badInput(String.format("n_ctx %d for '%s' needs about %.1f GB of KV cache, but only "
                    + "%.1f GB of memory is available; load it with a smaller n_ctx (or a quantized cache_type_k/v)",
                    contextSize, name, kvBytes / 1e9, available / 1e9));
        }
        return kvBytes;
    }

    private static long number(GgufInfo header, String key) {
        return header.metadata().get(key) instanceof Number n ? n.longValue() : -1;
    }

    private static void set(MemorySegment params, String field, int value) {
        LlamaStructs.field(LlamaStructs.CONTEXT_PARAMS, field).set(params, 0L, value);
    }

    private static GgufInfo readHeader(Path file, String name) {
        try {
            GgufInfo header = GgufReader.read(file);
            checkAssertedLimits(header, name);
            return header;
        } catch (GgufFormatException e) {
            throw loadFailed(name, e.getMessage());
        } catch (IOException e) {
            throw loadFailed(name, "cannot read it: " + e.getMessage());
        }
    }

    /** Values llama.cpp GGML_ASSERTs while loading (an assert aborts the process): refused here instead. */
    private static void checkAssertedLimits(GgufInfo header, String name) {
        String arch = header.architecture();
        if (arch == null) {
            throw loadFailed(name, "general.architecture is missing");
        }
        long layers = header.metadata().get(arch + ".block_count") instanceof Number n ? n.longValue() : 1;
        if (layers < 1 || layers > MAX_LAYERS) {
            throw loadFailed(name, arch + ".block_count is " + layers + "; llama.cpp supports 1 to " + MAX_LAYERS);
        }
        long nextn = header.metadata().get(arch + ".nextn_predict_layers") instanceof Number n ? n.longValue() : 0;
        if (nextn < 0 || nextn > layers) {
            throw loadFailed(name, arch + ".nextn_predict_layers " + nextn + " exceeds the block count " + layers);
        }
        long experts = header.metadata().get(arch + ".expert_count") instanceof Number n ? n.longValue() : 0;
        if (experts < 0 || experts > MAX_EXPERTS) {
            throw loadFailed(name, arch + ".expert_count is " + experts + "; llama.cpp supports at most " + MAX_EXPERTS);
        }
    }

    private static Problem loadFailed(String name, String reason) {
        return Problem.badInput("model_load_failed",
                "cannot load model '" + name + "': " + reason);
    }
}
