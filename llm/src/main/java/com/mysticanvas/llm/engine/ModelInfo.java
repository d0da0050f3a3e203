package com.mysticanvas.llm.engine;

/**
 * A loaded model and its context, as llama.cpp reports them.
 *
 * @param file           the model's file name inside the models folder
 * @param description    llama.cpp's one-line description (architecture, size, quantisation)
 * @param parameters     parameter count
 * @param sizeBytes      bytes of all tensors
 * @param trainContext   the model's training context
 * @param contextSize    total context of the loaded context
 * @param slotContext    context of one slot (one request)
 * @param slots          parallel slots
 * @param threads        threads llama.cpp uses
 * @param vocabSize      tokens in the vocabulary
 * @param embeddingSize  floats in one embedding of {@code /v1/embeddings}: {@code n_embd_out} (n_embd unless the
 *                       model projects its output), or {@code n_cls_out} for rank pooling (rerankers)
 * @param pooling        llama_pooling_type of the context (0 none: no embeddings endpoint)
 * @param generates      false for encoder-only models (embeddings only)
 * @param chatTemplate   the GGUF's chat template, or null
 * @param bosToken       text of the beginning-of-sequence token (for chat templates), or ""
 * @param eosToken       text of the end-of-sequence token, or ""
 * @param loadMillis     how long loading took
 * @param settings       the options it was loaded with, as resolved (GPU layers of "auto", batch sizes ...)
 */
public record ModelInfo(String file, String description, long parameters, long sizeBytes, int trainContext,
                        int contextSize, int slotContext, int slots, int threads, int vocabSize, int embeddingSize,
                        int pooling, boolean generates, String chatTemplate, String bosToken,
                        String eosToken, long loadMillis, LoadOptions settings) {
    public boolean embeds() {
        return pooling > 0;
    }
}
