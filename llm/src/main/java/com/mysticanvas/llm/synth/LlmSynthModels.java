package com.mysticanvas.llm.synth;

import com.mysticanvas.llm.gguf.GgmlType;
import com.mysticanvas.llm.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes random-weight GGUF models for tests and benchmarks ({@code synth-models}): a llama architecture
 * with a real byte-level BPE vocabulary learnt from a built-in text and a ChatML chat template, so every
 * code path (loading, tokenizing, templating, decoding, sampling) runs. Their output is random text.
 */
public final class LlmSynthModels {
    /** The preset {@code tiny}'s file, under {@code out/llm/}. */
    public static final String TINY_FILE = "tiny-llama.gguf";
    /** The preset {@code llama-1b}'s file, under {@code out/llm/}. */
    public static final String ONE_B_FILE = "llama-1b-q8_0.gguf";

    /** ChatML, as Qwen and many others write it; llama.cpp's built-in matcher knows it too. */
    public static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final List<String> CONTROL_TOKENS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    private static final int MERGES = 240;

    private LlmSynthModels() {}

    /** Writes the preset's language model(s) under {@code out/llm/}; presets without one write nothing. */
    public static void write(String preset, Path out) throws IOException {
        switch (preset) {
            case "tiny" -> writeLlama(LlamaShape.TINY, out.resolve("llm").resolve(TINY_FILE));
            case "llama-1b" -> writeLlama(LlamaShape.ONE_B, out.resolve("llm").resolve(ONE_B_FILE));
            case "sd15" -> { } // an image-model preset
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "': expected tiny, sd15 or llama-1b");
        }
    }

    /** Writes the {@code tiny} preset and returns its file ({@code out/llm/tiny-llama.gguf}). */
    public static Path writeTiny(Path out) throws IOException {
        write("tiny", out);
        return out.resolve("llm").resolve(TINY_FILE);
    }

    /** The vocabulary every synthetic model uses (learnt from {@link TrainingText}). */
    public static ByteLevelBpe vocabulary() {
        return ByteLevelBpe.train(TrainingText.TEXT, MERGES, CONTROL_TOKENS);
    }

    /** The GGUF metadata and tensors of a llama model of {@code shape}, ready to write. */
    static GgufWriter llama(LlamaShape shape, ByteLevelBpe bpe) {
        ByteLevelBpe vocab = bpe.paddedTo(shape.vocabSize());
        int nVocab = vocab.tokens().size();
        GgufWriter w = new GgufWriter()
                .string("general.architecture", "llama")
                .string("general.name", shape.name())
                .u32("general.file_type", shape.fileType())
                .u32("llama.context_length", shape.contextLength())
                .u32("llama.embedding_length", shape.embedding())
                .u32("llama.block_count", shape.layers())
                .u32("llama.feed_forward_length", shape.feedForward())
                .u32("llama.attention.head_count", shape.heads())
                .u32("llama.attention.head_count_kv", shape.kvHeads())
                .u32("llama.rope.dimension_count", shape.headDim())
                .f32("llama.rope.freq_base", 10000f)
                .f32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .u32("llama.vocab_size", nVocab)
                .string("tokenizer.ggml.model", "gpt2")
                .string("tokenizer.ggml.pre", "default")
                .strings("tokenizer.ggml.tokens", vocab.tokens())
                .ints("tokenizer.ggml.token_type", vocab.types())
                .strings("tokenizer.ggml.merges", vocab.merges())
                .u32("tokenizer.ggml.bos_token_id", vocab.id("<|endoftext|>"))
                .u32("tokenizer.ggml.eos_token_id", vocab.id("<|im_end|>"))
                .u32("tokenizer.ggml.padding_token_id", vocab.id("<|endoftext|>"))
                .bool("tokenizer.ggml.add_bos_token", false)
                .string("tokenizer.chat_template", CHATML_TEMPLATE);
        long seed = 1;
        GgmlType m = shape.matrixType();
        double std = 0.02;
        long e = shape.embedding();
        w.tensor("token_embd.weight", m, dims(e, nVocab), RandomTensors.random(m, std, seed++));
        for (int i = 0; i < shape.layers(); i++) {
            String p = "blk." + i + ".";
            w.tensor(p + "attn_norm.weight", GgmlType.F32, dims(e), RandomTensors.ones())
                    .tensor(p + "attn_q.weight", m, dims(e, e), RandomTensors.random(m, std, seed++))
                    .tensor(p + "attn_k.weight", m, dims(e, shape.kvEmbedding()), RandomTensors.random(m, std, seed++))
                    .tensor(p + "attn_v.weight", m, dims(e, shape.kvEmbedding()), RandomTensors.random(m, std, seed++))
                    .tensor(p + "attn_output.weight", m, dims(e, e), RandomTensors.random(m, std, seed++))
                    .tensor(p + "ffn_norm.weight", GgmlType.F32, dims(e), RandomTensors.ones())
                    .tensor(p + "ffn_gate.weight", m, dims(e, shape.feedForward()), RandomTensors.random(m, std, seed++))
                    .tensor(p + "ffn_up.weight", m, dims(e, shape.feedForward()), RandomTensors.random(m, std, seed++))
                    .tensor(p + "ffn_down.weight", m, dims(shape.feedForward(), e), RandomTensors.random(m, std, seed++));
        }
        w.tensor("output_norm.weight", GgmlType.F32, dims(e), RandomTensors.ones())
                .tensor("output.weight", m, dims(e, nVocab), RandomTensors.random(m, std, seed));
        return w;
    }

    /** The tiny model, not yet written: tests add metadata (e.g. a pooling type) before writing it. */
    public static GgufWriter tiny() {
        return llama(LlamaShape.TINY, vocabulary());
    }

    private static void writeLlama(LlamaShape shape, Path file) throws IOException {
        llama(shape, vocabulary()).write(file);
    }

    private static long[] dims(long... d) {
        return d;
    }
}
