package com.mysticanvas.llm.engine;

import com.mysticanvas.llm.gguf.GgufInfo;

/**
 * {@code n_gpu_layers: auto}: as many repeating layers as the free VRAM holds, each with its weights (less the
 * experts that {@code n_cpu_moe} keeps in CPU memory) and its share of the KV cache, after a reserve for the compute
 * buffers and the driver; the output layer too once every layer fits. A model that fits whole gets all its layers,
 * one that does not gets fewer instead of failing to load.
 */
public final class GpuLayerFit {
    /** Kept free for the driver, the CUDA context and fragmentation. */
    static final long RESERVE_BYTES = 512L << 20;

    private GpuLayerFit() {}

    /**
     * @param freeBytes    free memory of the GPU
     * @param kvBytes      the whole KV cache for the chosen context (it is split across layers like the weights)
     * @param microBatch   tokens per compute pass (the compute buffer grows with it)
     * @return layers for {@code n_gpu_layers}: 0 to {@code block_count + 1} (the last one being the output layer)
     */
    public static int layers(GgufInfo header, long freeBytes, long kvBytes, int microBatch, int cpuMoeLayers) {
        long blocks = header.archNumber("block_count");
        if (blocks <= 0 || freeBytes <= 0) {
            return 0;
        }
        long perLayerExperts = header.expertBytes() / blocks;
        long perLayer = (header.blockBytes() + kvBytes) / blocks;
        long outputBytes = Math.max(0, header.fileSize() - header.blockBytes()) / 2; // output.weight of embeddings + output
        long usable = freeBytes - RESERVE_BYTES - computeBytes(header, microBatch);
        int fit = 0;
        long used = 0;
        for (int layer = 0; layer < blocks; layer++) {
            long layerBytes = perLayer - (layer < cpuMoeLayers ? perLayerExperts : 0);
            if (used + layerBytes > usable) {
                return fit;
            }
            used += layerBytes;
            fit++;
        }
        return used + outputBytes <= usable ? fit + 1 : fit;
    }

    /**
     * The compute buffer of one pass: the logits of {@code microBatch} tokens and a few activations of the
     * embedding width per token (an estimate of llama.cpp's graph allocation, generous for attention).
     */
    static long computeBytes(GgufInfo header, int microBatch) {
        long vocab = Math.max(0, header.number("tokenizer.ggml.tokens"));
        long embedding = Math.max(0, header.archNumber("embedding_length"));
        long ff = Math.max(0, header.archNumber("feed_forward_length"));
        return (long) microBatch * 4 * (vocab + 4 * embedding + 2 * ff);
    }
}
