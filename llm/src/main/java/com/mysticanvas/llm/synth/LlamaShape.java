package com.mysticanvas.llm.synth;

import com.mysticanvas.llm.gguf.GgmlType;

/**
 * Hyper-parameters of a llama-architecture model to synthesise.
 *
 * @param matrixType type of the weight matrices (norms are always F32)
 * @param fileType   the matching {@code general.file_type} (llama_ftype)
 */
record LlamaShape(String name, int embedding, int heads, int kvHeads, int layers, int feedForward, int contextLength,
                  GgmlType matrixType, int fileType, int vocabSize) {
    /** Tests: loads and generates in milliseconds. */
    static final LlamaShape TINY = new LlamaShape("MystiCanvas tiny llama (random weights)",
            64, 4, 4, 2, 128, 4096, GgmlType.F32, 0, 0);
    /** Benchmarks: about 1B parameters, Llama 3.2 1B's layer shapes with a 32k vocabulary. */
    static final LlamaShape ONE_B = new LlamaShape("MystiCanvas llama 1B (random weights)",
            2048, 32, 8, 16, 8192, 8192, GgmlType.Q8_0, 7, 32000);

    int headDim() {
        return embedding / heads;
    }

    int kvEmbedding() {
        return headDim() * kvHeads;
    }
}
