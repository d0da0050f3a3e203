package com.mysticanvas.llm.engine;

/**
 * How to load a model; 0 (or -1 for GPU layers) means "choose".
 *
 * @param contextSize total context in tokens, split evenly across the parallel slots (0: up to 4096 per slot,
 *                    at most the model's training context)
 * @param threads     CPU threads for llama.cpp (0: the worker's default); never more than the cores
 * @param gpuLayers   layers to offload to a GPU (-1: all the backend can take; ignored on the CPU build)
 * @param parallel    slots: requests generated at the same time in one batch (0: 4)
 */
public record LoadOptions(int contextSize, int threads, int gpuLayers, int parallel) {
    public static final int DEFAULT_PARALLEL = 4;
    public static final int DEFAULT_SLOT_CONTEXT = 4096;

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0, -1, 0);
    }

    public LoadOptions {
        if (contextSize < 0 || threads < 0 || gpuLayers < -1 || parallel < 0) {
            throw new IllegalArgumentException("load options must not be negative");
        }
    }
}
