package com.mysticanvas.llm.gguf;

import java.util.Map;

/**
 * What a GGUF header says about a model, read without loading it.
 *
 * @param fileName       the file's name (no folder)
 * @param fileSize       bytes on disk
 * @param version        GGUF format version (2 or 3)
 * @param name           {@code general.name}, or null
 * @param architecture   {@code general.architecture}, e.g. {@code llama}
 * @param parameterCount sum of all tensors' element counts
 * @param tensorCount    number of tensors
 * @param contextLength  {@code <arch>.context_length} (training context), or 0 if absent
 * @param quantization   {@code general.file_type} as llama.cpp names it (e.g. {@code Q8_0}), else the most common tensor type
 * @param chatTemplate   {@code tokenizer.chat_template}, or null
 * @param poolingType    {@code <arch>.pooling_type} (llama_pooling_type), or -1 if the model does not declare one
 * @param blockBytes     bytes of the repeating layers' tensors ({@code blk.N.*}), for placing layers on a GPU
 * @param expertBytes    of those, the MoE experts' ({@code blk.N.ffn_*_exps})
 * @param metadata       every scalar metadata value (strings, numbers, booleans); arrays as their length
 */
public record GgufInfo(String fileName, long fileSize, int version, String name, String architecture,
                       long parameterCount, long tensorCount, long contextLength, String quantization,
                       String chatTemplate, int poolingType, long blockBytes, long expertBytes,
                       Map<String, Object> metadata) {
    /** A number of the metadata ({@code <arch>.block_count} ...), or -1 when absent. */
    public long number(String key) {
        return metadata.get(key) instanceof Number n ? n.longValue() : -1;
    }

    /** The architecture's own metadata number ({@code block_count} for {@code llama.block_count}), or -1. */
    public long archNumber(String key) {
        return number(architecture + "." + key);
    }

    public boolean hasChatTemplate() {
        return chatTemplate != null && !chatTemplate.isBlank();
    }
}
