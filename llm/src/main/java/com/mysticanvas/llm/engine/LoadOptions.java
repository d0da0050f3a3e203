package com.mysticanvas.llm.engine;

import com.mysticanvas.llm.gguf.GgmlType;

import java.util.List;

/**
 * How to load a model, as llama-server's options; 0 means "choose".
 *
 * @param contextSize    total context in tokens, shared by the parallel slots (0: up to 4096 per slot, at most the
 *                       model's training context)
 * @param threads        CPU threads for llama.cpp (0: the worker's default); never more than the cores
 * @param gpuLayers      layers to offload to a GPU ({@link #GPU_LAYERS_ALL}: all the backend can take;
 *                       {@link #GPU_LAYERS_AUTO}: as many as the free VRAM holds; ignored on the CPU build)
 * @param parallel       slots: requests generated at the same time in one batch (0: 4)
 * @param flashAttention llama.cpp's flash attention: auto (its choice), on or off
 * @param cacheTypeK     the KV cache's K element type (F16 default; Q8_0, Q4_0 ... halve or quarter it)
 * @param cacheTypeV     the V element type (a quantized V needs flash attention)
 * @param batch          tokens per decode call, prompts fed in chunks of it (0: 512)
 * @param microBatch     tokens per compute pass within it (0: as batch; at most batch)
 * @param cpuMoeLayers   the first N layers' MoE expert weights stay in CPU memory (llama-server's --n-cpu-moe)
 */
public record LoadOptions(int contextSize, int threads, int gpuLayers, int parallel, FlashAttention flashAttention,
                          GgmlType cacheTypeK, GgmlType cacheTypeV, int batch, int microBatch, int cpuMoeLayers) {
    public static final int DEFAULT_PARALLEL = 4;
    public static final int DEFAULT_SLOT_CONTEXT = 4096;
    public static final int DEFAULT_BATCH = 512;
    public static final int GPU_LAYERS_ALL = -1;
    public static final int GPU_LAYERS_AUTO = -2;
    /** The KV cache element types llama.cpp takes ({@code --cache-type-k} / {@code -v}). */
    public static final List<GgmlType> CACHE_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.IQ4_NL, GgmlType.Q5_0, GgmlType.Q5_1);

    /** llama_flash_attn_type. */
    public enum FlashAttention {
        AUTO(-1), OFF(0), ON(1);

        public final int code;

        FlashAttention(int code) {
            this.code = code;
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0, GPU_LAYERS_ALL, 0);
    }

    /** Context, threads, GPU layers and slots; the rest as llama-server's defaults (f16 KV, flash attention auto). */
    public LoadOptions(int contextSize, int threads, int gpuLayers, int parallel) {
        this(contextSize, threads, gpuLayers, parallel, FlashAttention.AUTO, GgmlType.F16, GgmlType.F16, 0, 0, 0);
    }

    public LoadOptions {
        if (contextSize < 0 || threads < 0 || gpuLayers < GPU_LAYERS_AUTO || parallel < 0 || batch < 0 || microBatch < 0
                || cpuMoeLayers < 0) {
            throw new IllegalArgumentException("load options must not be negative");
        }
        if (!CACHE_TYPES.contains(cacheTypeK) || !CACHE_TYPES.contains(cacheTypeV)) {
            throw new IllegalArgumentException("KV cache types are " + CACHE_TYPES);
        }
        if (microBatch > 0 && batch > 0 && microBatch > batch) {
            throw new IllegalArgumentException("n_ubatch " + microBatch + " is larger than n_batch " + batch);
        }
        if (flashAttention == FlashAttention.OFF && cacheTypeV.blockSize > 1) {
            throw new IllegalArgumentException("a quantized V cache (" + cacheTypeV.name().toLowerCase()
                    + ") needs flash attention: use flash_attn on or auto");
        }
    }

    /** What a load would take: its context, the weights' bytes and the KV cache's (-1: not a layout we can estimate). */
    public record Estimate(int contextSize, long weightsBytes, long kvBytes) {}

    /** What loading {@code file} with these options would take, from its header (a bad file is a 400 naming it). */
    public Estimate estimate(java.nio.file.Path file, String name) {
        return ModelLoader.estimate(file, name, this);
    }

    /** Tokens per decode call. */
    public int batchTokens() {
        return batch > 0 ? batch : DEFAULT_BATCH;
    }

    /** Tokens per compute pass. */
    public int microBatchTokens() {
        return microBatch > 0 ? microBatch : batchTokens();
    }
}
