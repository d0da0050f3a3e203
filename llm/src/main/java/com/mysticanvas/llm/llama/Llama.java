package com.mysticanvas.llm.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.mysticanvas.core.system.ComputeDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Downcalls into the part of {@code llama.h} MystiCanvas uses, one typed static method per C function.
 * The first use loads the libraries ({@link LlamaRuntime}). Every call here must run on a platform thread:
 * a downcall pins a virtual thread's carrier for its whole duration.
 *
 * <p>Pointers are {@link MemorySegment}s ({@code NULL} for C's NULL); a returned pointer has length 0
 * and must be {@code reinterpret}ed before reading.
 */
public final class Llama {
    private Llama() {}

    /** {@code LLAMA_DEFAULT_SEED}: the dist sampler picks a random seed. */
    public static final int DEFAULT_SEED = 0xFFFFFFFF;

    /** llama_pooling_type. */
    public static final int POOLING_UNSPECIFIED = -1, POOLING_NONE = 0, POOLING_MEAN = 1, POOLING_CLS = 2,
            POOLING_LAST = 3, POOLING_RANK = 4;

    private static final Linker LINKER = Linker.nativeLinker();

    private static MethodHandle fn(String name, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(LlamaRuntime.symbol(name), FunctionDescriptor.of(result, args));
    }

    private static MethodHandle proc(String name, MemoryLayout... args) {
        return LINKER.downcallHandle(LlamaRuntime.symbol(name), FunctionDescriptor.ofVoid(args));
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---- library and parameters -------------------------------------------------------------------

    private static final MethodHandle MODEL_DEFAULT_PARAMS = fn("llama_model_default_params", LlamaStructs.MODEL_PARAMS);
    private static final MethodHandle CONTEXT_DEFAULT_PARAMS = fn("llama_context_default_params", LlamaStructs.CONTEXT_PARAMS);
    private static final MethodHandle CHAIN_DEFAULT_PARAMS = fn("llama_sampler_chain_default_params", LlamaStructs.SAMPLER_CHAIN_PARAMS);

    /** {@code llama_model_default_params()}, written into memory from {@code allocator}. */
    public static MemorySegment modelDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) MODEL_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment contextDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) CONTEXT_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerChainDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) CHAIN_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- model ------------------------------------------------------------------------------------

    private static final MethodHandle MODEL_LOAD = fn("llama_model_load_from_file", ADDRESS, ADDRESS, LlamaStructs.MODEL_PARAMS);
    private static final MethodHandle MODEL_FREE = proc("llama_model_free", ADDRESS);
    private static final MethodHandle MODEL_VOCAB = fn("llama_model_get_vocab", ADDRESS, ADDRESS);
    private static final MethodHandle MODEL_N_CTX_TRAIN = fn("llama_model_n_ctx_train", JAVA_INT, ADDRESS);
    private static final MethodHandle MODEL_N_EMBD = fn("llama_model_n_embd", JAVA_INT, ADDRESS);
    private static final MethodHandle MODEL_N_EMBD_OUT = fn("llama_model_n_embd_out", JAVA_INT, ADDRESS);
    private static final MethodHandle MODEL_N_CLS_OUT = fn("llama_model_n_cls_out", JAVA_INT, ADDRESS);
    private static final MethodHandle MODEL_N_PARAMS = fn("llama_model_n_params", JAVA_LONG, ADDRESS);
    private static final MethodHandle MODEL_SIZE = fn("llama_model_size", JAVA_LONG, ADDRESS);
    private static final MethodHandle MODEL_DESC = fn("llama_model_desc", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle MODEL_HAS_ENCODER = fn("llama_model_has_encoder", JAVA_BOOLEAN, ADDRESS);
    private static final MethodHandle MODEL_HAS_DECODER = fn("llama_model_has_decoder", JAVA_BOOLEAN, ADDRESS);
    private static final MethodHandle MODEL_CHAT_TEMPLATE = fn("llama_model_chat_template", ADDRESS, ADDRESS, ADDRESS);

    /** Returns the model or {@code NULL} (the reason is in the log at ERROR level). */
    public static MemorySegment modelLoadFromFile(MemorySegment path, MemorySegment params) {
        try {
            return (MemorySegment) MODEL_LOAD.invokeExact(path, params);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void modelFree(MemorySegment model) {
        try {
            MODEL_FREE.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment modelVocab(MemorySegment model) {
        try {
            return (MemorySegment) MODEL_VOCAB.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int modelNCtxTrain(MemorySegment model) {
        try {
            return (int) MODEL_N_CTX_TRAIN.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int modelNEmbd(MemorySegment model) {
        try {
            return (int) MODEL_N_EMBD.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Width of the model's output embeddings: what {@code llama_get_embeddings_seq} holds per sequence for mean,
     * cls and last pooling. {@code n_embd} unless the model says otherwise ({@code <arch>.embedding_length_out}:
     * output projections, deepstack models).
     */
    public static int modelNEmbdOut(MemorySegment model) {
        try {
            return (int) MODEL_N_EMBD_OUT.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Outputs of the classifier head: what {@code llama_get_embeddings_seq} holds per sequence for rank pooling. */
    public static int modelNClsOut(MemorySegment model) {
        try {
            return (int) MODEL_N_CLS_OUT.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static long modelNParams(MemorySegment model) {
        try {
            return (long) MODEL_N_PARAMS.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- devices (ggml's backend registry)

    /** ggml_backend_dev_type. */
    private static final int DEVICE_CPU = 0, DEVICE_GPU = 1, DEVICE_IGPU = 2;
    private static final MethodHandle DEV_COUNT = fn("ggml_backend_dev_count", JAVA_LONG);
    private static final MethodHandle DEV_GET = fn("ggml_backend_dev_get", ADDRESS, JAVA_LONG);
    private static final MethodHandle DEV_TYPE = fn("ggml_backend_dev_type", JAVA_INT, ADDRESS);
    private static final MethodHandle DEV_MEMORY = proc("ggml_backend_dev_memory", ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle DEV_BY_TYPE = fn("ggml_backend_dev_by_type", ADDRESS, JAVA_INT);
    private static final MethodHandle DEV_BUFFER_TYPE = fn("ggml_backend_dev_buffer_type", ADDRESS, ADDRESS);

    private static final MethodHandle DEV_NAME = fn("ggml_backend_dev_name", ADDRESS, ADDRESS);
    private static final MethodHandle DEV_DESCRIPTION = fn("ggml_backend_dev_description", ADDRESS, ADDRESS);

    /** Free memory of the first GPU llama.cpp would use (main_gpu 0), or -1 when the build has none (the CPU build). */
    public static long gpuFreeBytes() {
        return devices().stream().filter(ComputeDevice::isGpu).findFirst()
                .map(d -> d.memoryFree() == null ? -1 : d.memoryFree()).orElse(-1L);
    }

    /**
     * The devices ggml's backends offer, in their order (main_gpu 0 is the first GPU): the CPU and each GPU with its
     * memory now. Accelerator devices (BLAS, AMX) only help the CPU and are left out.
     */
    public static java.util.List<ComputeDevice> devices() {
        try (Arena a = Arena.ofConfined()) {
            long count = (long) DEV_COUNT.invokeExact();
            java.util.List<ComputeDevice> out = new java.util.ArrayList<>();
            for (long i = 0; i < count; i++) {
                MemorySegment dev = (MemorySegment) DEV_GET.invokeExact(i);
                String type = switch ((int) DEV_TYPE.invokeExact(dev)) {
                    case DEVICE_CPU -> ComputeDevice.CPU;
                    case DEVICE_GPU -> ComputeDevice.GPU;
                    case DEVICE_IGPU -> ComputeDevice.IGPU;
                    default -> null;
                };
                if (type != null) {
                    MemorySegment free = a.allocate(JAVA_LONG);
                    MemorySegment total = a.allocate(JAVA_LONG);
                    DEV_MEMORY.invokeExact(dev, free, total);
                    out.add(new ComputeDevice(type, cString((MemorySegment) DEV_NAME.invokeExact(dev)),
                            cString((MemorySegment) DEV_DESCRIPTION.invokeExact(dev)), total.get(JAVA_LONG, 0), free.get(JAVA_LONG, 0)));
                }
            }
            return out;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The CPU device's buffer type: where {@code tensor_buft_overrides} keep tensors in CPU memory. */
    public static MemorySegment cpuBufferType() {
        try {
            MemorySegment dev = (MemorySegment) DEV_BY_TYPE.invokeExact(DEVICE_CPU);
            return (MemorySegment) DEV_BUFFER_TYPE.invokeExact(dev);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static long modelSize(MemorySegment model) {
        try {
            return (long) MODEL_SIZE.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** A short description such as {@code llama ?B Q8_0}. */
    public static String modelDesc(MemorySegment model, SegmentAllocator allocator) {
        MemorySegment buf = allocator.allocate(256);
        try {
            int n = (int) MODEL_DESC.invokeExact(model, buf, 256L);
            return n < 0 ? "" : buf.getString(0);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static boolean modelHasEncoder(MemorySegment model) {
        try {
            return (boolean) MODEL_HAS_ENCODER.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static boolean modelHasDecoder(MemorySegment model) {
        try {
            return (boolean) MODEL_HAS_DECODER.invokeExact(model);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The GGUF's default chat template ({@code tokenizer.chat_template}), or null. */
    public static String modelChatTemplate(MemorySegment model) {
        try {
            MemorySegment s = (MemorySegment) MODEL_CHAT_TEMPLATE.invokeExact(model, MemorySegment.NULL);
            return MemorySegment.NULL.equals(s) ? null : cString(s);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- context and memory -----------------------------------------------------------------------

    private static final MethodHandle INIT_FROM_MODEL = fn("llama_init_from_model", ADDRESS, ADDRESS, LlamaStructs.CONTEXT_PARAMS);
    private static final MethodHandle FREE = proc("llama_free", ADDRESS);
    private static final MethodHandle N_CTX = fn("llama_n_ctx", JAVA_INT, ADDRESS);
    private static final MethodHandle N_CTX_SEQ = fn("llama_n_ctx_seq", JAVA_INT, ADDRESS);
    private static final MethodHandle N_BATCH = fn("llama_n_batch", JAVA_INT, ADDRESS);
    private static final MethodHandle GET_MEMORY = fn("llama_get_memory", ADDRESS, ADDRESS);
    private static final MethodHandle POOLING_TYPE = fn("llama_pooling_type", JAVA_INT, ADDRESS);
    private static final MethodHandle MEMORY_SEQ_RM = fn("llama_memory_seq_rm", JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle MEMORY_SEQ_CP = proc("llama_memory_seq_cp", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);

    /** Contexts made by {@link #initFromModel} and not yet given to {@link #free}. */
    private static final AtomicInteger LIVE_CONTEXTS = new AtomicInteger();

    /** Returns the context or {@code NULL} (reason in the log). */
    public static MemorySegment initFromModel(MemorySegment model, MemorySegment params) {
        try {
            MemorySegment ctx = (MemorySegment) INIT_FROM_MODEL.invokeExact(model, params);
            if (!MemorySegment.NULL.equals(ctx)) {
                LIVE_CONTEXTS.incrementAndGet();
            }
            return ctx;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void free(MemorySegment ctx) {
        try {
            FREE.invokeExact(ctx);
            LIVE_CONTEXTS.decrementAndGet();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** How many contexts this process holds (each has its KV cache and compute buffers): a leak shows here. */
    public static int liveContexts() {
        return LIVE_CONTEXTS.get();
    }

    public static int nCtx(MemorySegment ctx) {
        try {
            return (int) N_CTX.invokeExact(ctx);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Context size of one sequence (n_ctx split across sequences unless kv_unified). */
    public static int nCtxSeq(MemorySegment ctx) {
        try {
            return (int) N_CTX_SEQ.invokeExact(ctx);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int nBatch(MemorySegment ctx) {
        try {
            return (int) N_BATCH.invokeExact(ctx);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment memory(MemorySegment ctx) {
        try {
            return (MemorySegment) GET_MEMORY.invokeExact(ctx);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The pooling the context really uses (after resolving the model's default). */
    public static int poolingType(MemorySegment ctx) {
        try {
            return (int) POOLING_TYPE.invokeExact(ctx);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Removes positions [p0, p1) of a sequence (-1 = open end); false if a partial removal is impossible. */
    public static boolean memorySeqRm(MemorySegment memory, int seq, int p0, int p1) {
        try {
            return (boolean) MEMORY_SEQ_RM.invokeExact(memory, seq, p0, p1);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Gives sequence {@code dst} the cached positions [p0, p1) of {@code src} (-1 = open end); in a unified KV cache
     * the cells are shared, not copied.
     */
    public static void memorySeqCp(MemorySegment memory, int src, int dst, int p0, int p1) {
        try {
            MEMORY_SEQ_CP.invokeExact(memory, src, dst, p0, p1);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- decoding and embeddings ------------------------------------------------------------------

    private static final MethodHandle DECODE = fn("llama_decode", JAVA_INT, ADDRESS, LlamaStructs.BATCH);
    private static final MethodHandle ENCODE = fn("llama_encode", JAVA_INT, ADDRESS, LlamaStructs.BATCH);
    private static final MethodHandle SET_EMBEDDINGS = proc("llama_set_embeddings", ADDRESS, JAVA_BOOLEAN);
    private static final MethodHandle GET_EMBEDDINGS_SEQ = fn("llama_get_embeddings_seq", ADDRESS, ADDRESS, JAVA_INT);

    /** 0 ok, 1 no KV space, 2 aborted, -1 invalid batch, < -1 fatal. */
    public static int decode(MemorySegment ctx, MemorySegment batch) {
        try {
            return (int) DECODE.invokeExact(ctx, batch);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Runs the encoder. Only for models where {@link #modelHasEncoder} is true: on a decoder-only model
     * llama.cpp dereferences a null pointer and the process dies (facts, ffm-llama-ggml.md).
     */
    public static int encode(MemorySegment ctx, MemorySegment batch) {
        try {
            return (int) ENCODE.invokeExact(ctx, batch);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void setEmbeddings(MemorySegment ctx, boolean on) {
        try {
            SET_EMBEDDINGS.invokeExact(ctx, on);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Pooled embedding of a sequence, not normalised, or NULL: {@link #modelNEmbdOut} floats, or
     * {@link #modelNClsOut} for rank pooling (src/llama-context.cpp, where decode extracts them).
     */
    public static MemorySegment embeddingsSeq(MemorySegment ctx, int seq) {
        try {
            return (MemorySegment) GET_EMBEDDINGS_SEQ.invokeExact(ctx, seq);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- vocabulary and tokens --------------------------------------------------------------------

    private static final MethodHandle VOCAB_N_TOKENS = fn("llama_vocab_n_tokens", JAVA_INT, ADDRESS);
    private static final MethodHandle VOCAB_BOS = fn("llama_vocab_bos", JAVA_INT, ADDRESS);
    private static final MethodHandle VOCAB_EOS = fn("llama_vocab_eos", JAVA_INT, ADDRESS);
    private static final MethodHandle VOCAB_SEP = fn("llama_vocab_sep", JAVA_INT, ADDRESS);
    private static final MethodHandle VOCAB_IS_EOG = fn("llama_vocab_is_eog", JAVA_BOOLEAN, ADDRESS, JAVA_INT);
    private static final MethodHandle VOCAB_ADD_BOS = fn("llama_vocab_get_add_bos", JAVA_BOOLEAN, ADDRESS);
    private static final MethodHandle VOCAB_GET_TEXT = fn("llama_vocab_get_text", ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle VOCAB_GET_ATTR = fn("llama_vocab_get_attr", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle TOKENIZE = fn("llama_tokenize", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN);
    private static final MethodHandle TOKEN_TO_PIECE = fn("llama_token_to_piece", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN);
    private static final MethodHandle DETOKENIZE = fn("llama_detokenize", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN);

    public static int vocabNTokens(MemorySegment vocab) {
        try {
            return (int) VOCAB_N_TOKENS.invokeExact(vocab);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The separator token ({@code [SEP]} of BERT vocabularies), or -1. */
    public static int vocabSep(MemorySegment vocab) {
        try {
            return (int) VOCAB_SEP.invokeExact(vocab);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int vocabBos(MemorySegment vocab) {
        try {
            return (int) VOCAB_BOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int vocabEos(MemorySegment vocab) {
        try {
            return (int) VOCAB_EOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** End-of-generation token (EOS, EOT, {@code <|im_end|>} ...). */
    public static boolean vocabIsEog(MemorySegment vocab, int token) {
        try {
            return (boolean) VOCAB_IS_EOG.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static boolean vocabAddBos(MemorySegment vocab) {
        try {
            return (boolean) VOCAB_ADD_BOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The token's text as stored in the vocabulary (e.g. {@code <|im_end|>}); id must be in range. */
    public static String vocabText(MemorySegment vocab, int token) {
        try {
            return cString((MemorySegment) VOCAB_GET_TEXT.invokeExact(vocab, token));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** llama_token_attr bits: CONTROL and UNKNOWN tokens are matched in text only when parsing specials. */
    public static final int ATTR_UNKNOWN = 1, ATTR_CONTROL = 8;

    /** The token's llama_token_attr bits; id must be in range. */
    public static int vocabAttr(MemorySegment vocab, int token) {
        try {
            return (int) VOCAB_GET_ATTR.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Returns the count, or minus the needed capacity when {@code max} is too small. */
    public static int tokenize(MemorySegment vocab, MemorySegment text, int textLen, MemorySegment tokens, int max,
                               boolean addSpecial, boolean parseSpecial) {
        try {
            return (int) TOKENIZE.invokeExact(vocab, text, textLen, tokens, max, addSpecial, parseSpecial);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Writes the token's UTF-8 bytes (not NUL-terminated); returns the length or minus the needed one. */
    public static int tokenToPiece(MemorySegment vocab, int token, MemorySegment buf, int len, boolean special) {
        try {
            return (int) TOKEN_TO_PIECE.invokeExact(vocab, token, buf, len, 0, special);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static int detokenize(MemorySegment vocab, MemorySegment tokens, int n, MemorySegment text, int max,
                                 boolean removeSpecial, boolean unparseSpecial) {
        try {
            return (int) DETOKENIZE.invokeExact(vocab, tokens, n, text, max, removeSpecial, unparseSpecial);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- chat templates (llama.cpp's built-in pattern matcher, no Jinja) -----------------------------

    private static final MethodHandle CHAT_APPLY_TEMPLATE = fn("llama_chat_apply_template", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_BOOLEAN, ADDRESS, JAVA_INT);

    /** Returns the formatted length (may exceed {@code len}: retry bigger), or negative if the template is unknown. */
    public static int chatApplyTemplate(MemorySegment template, MemorySegment messages, long count, boolean addAssistant,
                                        MemorySegment buf, int len) {
        try {
            return (int) CHAT_APPLY_TEMPLATE.invokeExact(template, messages, count, addAssistant, buf, len);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- samplers ---------------------------------------------------------------------------------

    private static final MethodHandle CHAIN_INIT = fn("llama_sampler_chain_init", ADDRESS, LlamaStructs.SAMPLER_CHAIN_PARAMS);
    private static final MethodHandle CHAIN_ADD = proc("llama_sampler_chain_add", ADDRESS, ADDRESS);
    private static final MethodHandle SAMPLER_FREE = proc("llama_sampler_free", ADDRESS);
    private static final MethodHandle SAMPLER_SAMPLE = fn("llama_sampler_sample", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle SAMPLER_ACCEPT = proc("llama_sampler_accept", ADDRESS, JAVA_INT);
    private static final MethodHandle GET_LOGITS_ITH = fn("llama_get_logits_ith", ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle INIT_GREEDY = fn("llama_sampler_init_greedy", ADDRESS);
    private static final MethodHandle INIT_DIST = fn("llama_sampler_init_dist", ADDRESS, JAVA_INT);
    private static final MethodHandle INIT_TOP_K = fn("llama_sampler_init_top_k", ADDRESS, JAVA_INT);
    private static final MethodHandle INIT_TOP_P = fn("llama_sampler_init_top_p", ADDRESS, JAVA_FLOAT, JAVA_LONG);
    private static final MethodHandle INIT_MIN_P = fn("llama_sampler_init_min_p", ADDRESS, JAVA_FLOAT, JAVA_LONG);
    private static final MethodHandle INIT_TEMP = fn("llama_sampler_init_temp", ADDRESS, JAVA_FLOAT);
    private static final MethodHandle INIT_PENALTIES = fn("llama_sampler_init_penalties", ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT);
    private static final MethodHandle INIT_LOGIT_BIAS = fn("llama_sampler_init_logit_bias", ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle INIT_GRAMMAR = fn("llama_sampler_init_grammar", ADDRESS, ADDRESS, ADDRESS, ADDRESS);

    public static MemorySegment samplerChainInit(MemorySegment params) {
        try {
            return (MemorySegment) CHAIN_INIT.invokeExact(params);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The chain takes ownership of {@code sampler}. */
    public static void samplerChainAdd(MemorySegment chain, MemorySegment sampler) {
        try {
            CHAIN_ADD.invokeExact(chain, sampler);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void samplerFree(MemorySegment sampler) {
        try {
            SAMPLER_FREE.invokeExact(sampler);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Tells a sampler that {@code token} came (penalties count it). */
    public static void samplerAccept(MemorySegment sampler, int token) {
        try {
            SAMPLER_ACCEPT.invokeExact(sampler, token);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The model's raw logits ({@code vocab} floats) for batch entry {@code index} of the last decode. */
    public static float[] logits(MemorySegment ctx, int index, int vocab) {
        try {
            MemorySegment p = (MemorySegment) GET_LOGITS_ITH.invokeExact(ctx, index);
            return p.reinterpret(4L * vocab).toArray(JAVA_FLOAT);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Samples (and accepts) a token from the logits of batch entry {@code index}. */
    public static int samplerSample(MemorySegment sampler, MemorySegment ctx, int index) {
        try {
            return (int) SAMPLER_SAMPLE.invokeExact(sampler, ctx, index);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerGreedy() {
        try {
            return (MemorySegment) INIT_GREEDY.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerDist(int seed) {
        try {
            return (MemorySegment) INIT_DIST.invokeExact(seed);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerTopK(int k) {
        try {
            return (MemorySegment) INIT_TOP_K.invokeExact(k);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerTopP(float p) {
        try {
            return (MemorySegment) INIT_TOP_P.invokeExact(p, 1L);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerMinP(float p) {
        try {
            return (MemorySegment) INIT_MIN_P.invokeExact(p, 1L);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static MemorySegment samplerTemp(float t) {
        try {
            return (MemorySegment) INIT_TEMP.invokeExact(t);
        } catch (Throwable e) {
            throw fail(e);
        }
    }

    public static MemorySegment samplerPenalties(int nVocab, int lastN, float repeat, float frequency, float presence) {
        try {
            return (MemorySegment) INIT_PENALTIES.invokeExact(nVocab, lastN, repeat, frequency, presence);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** {@code biases}: {@code count} {@link LlamaStructs#LOGIT_BIAS} entries (copied by the sampler). */
    public static MemorySegment samplerLogitBias(int nVocab, int count, MemorySegment biases) {
        try {
            return (MemorySegment) INIT_LOGIT_BIAS.invokeExact(nVocab, count, biases);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Returns NULL when the grammar does not parse. */
    public static MemorySegment samplerGrammar(MemorySegment vocab, MemorySegment grammar, MemorySegment root) {
        try {
            return (MemorySegment) INIT_GRAMMAR.invokeExact(vocab, grammar, root);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Reads a NUL-terminated UTF-8 string from a pointer of unknown length. */
    public static String cString(MemorySegment pointer) {
        return MemorySegment.NULL.equals(pointer) ? null : pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
