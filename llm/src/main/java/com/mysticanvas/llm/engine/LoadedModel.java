package com.mysticanvas.llm.engine;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.mysticanvas.core.ApiException;
import com.mysticanvas.llm.gguf.GgufFormatException;
import com.mysticanvas.llm.gguf.GgufInfo;
import com.mysticanvas.llm.gguf.GgufReader;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.llama.LlamaBatch;
import com.mysticanvas.llm.llama.LlamaLog;
import com.mysticanvas.llm.llama.LlamaStructs;
import com.mysticanvas.llm.llama.LoadProgress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model and its context in llama.cpp, owned by the engine thread (its arena is confined to it):
 * tokenizer, built-in chat templates and embeddings. Freed by {@link #close()}, which really returns the memory.
 */
public final class LoadedModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);
    /** Tokens per decode call; prompts are fed in chunks of this size. */
    private static final int BATCH_TOKENS = 512;
    /** LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS of src/llama-hparams.h. */
    private static final int MAX_LAYERS = 512, MAX_EXPERTS = 1024;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment model;
    private final MemorySegment ctx;
    private final MemorySegment vocab;
    private final MemorySegment memory;
    private final ModelInfo info;
    private final LlamaBatch batch;
    private final boolean hasEncoder;
    private final int embeddingSeq;
    private MemorySegment pieceBuffer;
    private List<String> specialTexts;

    private LoadedModel(MemorySegment model, MemorySegment ctx, ModelInfo info, boolean hasEncoder, int embeddingSeq) {
        this.model = model;
        this.ctx = ctx;
        this.vocab = Llama.modelVocab(model);
        this.memory = Llama.memory(ctx);
        this.info = info;
        this.hasEncoder = hasEncoder;
        this.embeddingSeq = embeddingSeq;
        this.batch = new LlamaBatch(arena, Math.max(Llama.nBatch(ctx), info.slots()));
        this.pieceBuffer = arena.allocate(64);
    }

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
        checkMemoryFor(header, plan.contextSize(), name);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment modelParams = Llama.modelDefaultParams(call);
            LlamaStructs.field(LlamaStructs.MODEL_PARAMS, "n_gpu_layers").set(modelParams, 0L, options.gpuLayers());
            LlamaStructs.field(LlamaStructs.MODEL_PARAMS, "progress_callback").set(modelParams, 0L,
                    LoadProgress.install(progress));
            var loaded = LlamaLog.capturingErrors(() -> Llama.modelLoadFromFile(call.allocateFrom(file.toString()), modelParams));
            MemorySegment model = loaded.value();
            if (MemorySegment.NULL.equals(model)) {
                throw loadFailed(name, loaded.reason("llama.cpp refused the file (no reason given)"));
            }
            try {
                return withContext(model, name, header, plan, started, call);
            } catch (RuntimeException e) {
                Llama.modelFree(model);
                throw e;
            }
        }
    }

    /** Threads, slots and context size for a load, decided from the request and the GGUF header. */
    private record Plan(int threads, int parallel, int contextSize) {
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
            return new Plan(threads, parallel, contextSize);
        }
    }

    private static LoadedModel withContext(MemorySegment model, String name, GgufInfo header, Plan plan, long started,
                                           Arena call) {
        boolean hasEncoder = Llama.modelHasEncoder(model);
        boolean generates = Llama.modelHasDecoder(model) && !hasEncoder;
        // Models that pool embeddings get one sequence of their own for /v1/embeddings.
        boolean pools = header.poolingType() > 0 || hasEncoder;
        int sequences = generates ? plan.parallel() + (pools ? 1 : 0) : 1;
        int contextSize = plan.contextSize();
        if (contextSize < sequences * 16) {
            throw ApiException.badRequest("n_ctx " + contextSize + " is too small for " + sequences
                    + " sequences of at least 16 tokens each");
        }
        MemorySegment params = Llama.contextDefaultParams(call);
        set(params, "n_ctx", contextSize);
        set(params, "n_batch", BATCH_TOKENS);
        set(params, "n_ubatch", BATCH_TOKENS);
        set(params, "n_seq_max", sequences);
        set(params, "n_threads", plan.threads());
        set(params, "n_threads_batch", plan.threads());
        LlamaStructs.field(LlamaStructs.CONTEXT_PARAMS, "embeddings").set(params, 0L, !generates);
        // MEAN pooling over sequences of different lengths is wrong without a unified KV cache (facts).
        LlamaStructs.field(LlamaStructs.CONTEXT_PARAMS, "kv_unified").set(params, 0L,
                header.poolingType() == Llama.POOLING_MEAN);
        var created = LlamaLog.capturingErrors(() -> Llama.initFromModel(model, params));
        MemorySegment ctx = created.value();
        if (MemorySegment.NULL.equals(ctx)) {
            throw loadFailed(name, "cannot create a context of " + contextSize + " tokens: "
                    + created.reason("llama.cpp gave no reason"));
        }
        int pooling = Llama.poolingType(ctx);
        MemorySegment vocab = Llama.modelVocab(model);
        int vocabSize = Llama.vocabNTokens(vocab);
        ModelInfo info = new ModelInfo(name, Llama.modelDesc(model, call), Llama.modelNParams(model),
                Llama.modelSize(model), Llama.modelNCtxTrain(model), Llama.nCtx(ctx), Llama.nCtxSeq(ctx),
                generates ? plan.parallel() : 0, plan.threads(), vocabSize, Llama.modelNEmbd(model),
                Math.max(pooling, 0), generates, Llama.modelChatTemplate(model),
                textOf(vocab, Llama.vocabBos(vocab), vocabSize), textOf(vocab, Llama.vocabEos(vocab), vocabSize),
                (System.nanoTime() - started) / 1_000_000);
        return new LoadedModel(model, ctx, info, hasEncoder, pooling > 0 ? sequences - 1 : -1);
    }

    private static String textOf(MemorySegment vocab, int token, int vocabSize) {
        return token < 0 || token >= vocabSize ? "" : Llama.vocabText(vocab, token);
    }

    /**
     * Refuses a context whose KV cache (f16 K and V for every layer) cannot fit in the memory available now:
     * llama.cpp would try, and the kernel's OOM killer would end the worker instead of a clear 400.
     */
    private static void checkMemoryFor(GgufInfo header, long contextSize, String name) {
        String arch = header.architecture();
        long layers = number(header, arch + ".block_count");
        long embedding = number(header, arch + ".embedding_length");
        long heads = number(header, arch + ".attention.head_count");
        long kvHeads = number(header, arch + ".attention.head_count_kv");
        long available = memAvailableBytes();
        if (layers <= 0 || embedding <= 0 || heads <= 0 || available <= 0) {
            return; // not a layout we can estimate: let llama.cpp decide
        }
        long kvWidth = embedding / heads * (kvHeads > 0 ? kvHeads : heads);
        long kvBytes = 2L * 2 * layers * kvWidth * contextSize;
        if (kvBytes > available) {
            throw ApiException.badRequest(String.format("n_ctx %d for '%s' needs about %.1f GB of KV cache, but only "
                    + "%.1f GB of memory is available; load it with a smaller n_ctx", contextSize, name,
                    kvBytes / 1e9, available / 1e9));
        }
    }

    private static long number(GgufInfo header, String key) {
        return header.metadata().get(key) instanceof Number n ? n.longValue() : -1;
    }

    /** MemAvailable from /proc/meminfo, or -1 where there is none. */
    private static long memAvailableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no estimate
        }
        return -1;
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

    private static ApiException loadFailed(String name, String reason) {
        return new ApiException(400, "invalid_request_error", "model_load_failed",
                "cannot load model '" + name + "': " + reason);
    }

    public ModelInfo info() {
        return info;
    }

    MemorySegment context() {
        return ctx;
    }

    MemorySegment memory() {
        return memory;
    }

    MemorySegment vocab() {
        return vocab;
    }

    LlamaBatch batch() {
        return batch;
    }

    // ---- tokens -----------------------------------------------------------------------------------

    /**
     * Text to tokens. With {@code parseSpecial} false, text such as {@code <|im_end|>} stays plain text;
     * only markup the chat template wrote may become control tokens.
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment bytes = call.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, bytes, JAVA_BYTE, 0, utf8.length);
            int capacity = utf8.length + 8;
            MemorySegment out = call.allocate(JAVA_INT, capacity);
            int n = Llama.tokenize(vocab, bytes, utf8.length, out, capacity, addSpecial, parseSpecial);
            if (n < 0) {
                if (n == Integer.MIN_VALUE) {
                    throw ApiException.badRequest("text too long to tokenize");
                }
                capacity = -n;
                out = call.allocate(JAVA_INT, capacity);
                n = Llama.tokenize(vocab, bytes, utf8.length, out, capacity, addSpecial, parseSpecial);
            }
            return out.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
        }
    }

    /** The UTF-8 bytes a generated token stands for (control tokens give none). */
    byte[] piece(int token) {
        int n = Llama.tokenToPiece(vocab, token, pieceBuffer, (int) pieceBuffer.byteSize(), false);
        if (n < 0) {
            pieceBuffer = arena.allocate(-n);
            n = Llama.tokenToPiece(vocab, token, pieceBuffer, (int) pieceBuffer.byteSize(), false);
        }
        return pieceBuffer.asSlice(0, Math.max(n, 0)).toArray(JAVA_BYTE);
    }

    /** Tokens to text; ids must already be checked with {@link #checkTokens}. */
    public String detokenize(int[] tokens, boolean renderSpecial) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ids = call.allocateFrom(JAVA_INT, tokens);
            int capacity = tokens.length * 8 + 16;
            MemorySegment out = call.allocate(capacity);
            int n = Llama.detokenize(vocab, ids, tokens.length, out, capacity, false, renderSpecial);
            if (n < 0) {
                capacity = -n;
                out = call.allocate(capacity);
                n = Llama.detokenize(vocab, ids, tokens.length, out, capacity, false, renderSpecial);
            }
            return new String(out.asSlice(0, Math.max(n, 0)).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /** Rejects ids outside the vocabulary before they reach llama.cpp. */
    public void checkTokens(int[] tokens, String what) {
        for (int t : tokens) {
            if (t < 0 || t >= info.vocabSize()) {
                throw ApiException.badRequest(what + " contains token id " + t + ", outside the vocabulary (0 to "
                        + (info.vocabSize() - 1) + ")");
            }
        }
    }

    boolean isEndOfGeneration(int token) {
        return Llama.vocabIsEog(vocab, token);
    }

    /** A piece of a prompt: template markup ({@code special}: its control-token texts become tokens) or user text. */
    public record Segment(String text, boolean special) {}

    /**
     * Tokenizes a prompt piece by piece (user text never parsed for special tokens) and puts the BOS token in
     * front when the vocabulary wants one and the template did not write it.
     */
    public int[] tokenizePrompt(List<Segment> segments) {
        int[] tokens = new int[0];
        for (Segment s : segments) {
            int[] part = tokenize(s.text(), false, s.special());
            int at = tokens.length;
            tokens = Arrays.copyOf(tokens, at + part.length);
            System.arraycopy(part, 0, tokens, at, part.length);
        }
        int bos = Llama.vocabBos(vocab);
        if (Llama.vocabAddBos(vocab) && bos >= 0 && (tokens.length == 0 || tokens[0] != bos)) {
            int[] withBos = new int[tokens.length + 1];
            withBos[0] = bos;
            System.arraycopy(tokens, 0, withBos, 1, tokens.length);
            tokens = withBos;
        }
        return tokens;
    }

    /**
     * True if {@code text} contains the text of a control (or unknown) token, such as {@code <|im_end|>}:
     * tokenized with special parsing it would turn into that token.
     */
    public boolean containsSpecialText(String text) {
        if (specialTexts == null) {
            List<String> found = new ArrayList<>();
            for (int t = 0; t < info.vocabSize(); t++) {
                if ((Llama.vocabAttr(vocab, t) & (Llama.ATTR_CONTROL | Llama.ATTR_UNKNOWN)) != 0) {
                    String s = Llama.vocabText(vocab, t);
                    if (s != null && !s.isEmpty()) {
                        found.add(s);
                    }
                }
            }
            specialTexts = List.copyOf(found);
        }
        for (String s : specialTexts) {
            if (text.contains(s)) {
                return true;
            }
        }
        return false;
    }

    // ---- chat template (llama.cpp's built-in matcher) ---------------------------------------------

    /** One message for {@link #applyBuiltinTemplate}. */
    public record Message(String role, String content) {}

    /**
     * Formats messages with llama.cpp's built-in template matching the model's template (ChatML when the
     * model has none); null if llama.cpp does not recognise the template.
     */
    public String applyBuiltinTemplate(List<Message> messages, boolean addAssistant) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment list = call.allocate(LlamaStructs.CHAT_MESSAGE, Math.max(1, messages.size()));
            long length = 0;
            for (int i = 0; i < messages.size(); i++) {
                MemorySegment m = list.asSlice(i * LlamaStructs.CHAT_MESSAGE.byteSize(), LlamaStructs.CHAT_MESSAGE);
                LlamaStructs.field(LlamaStructs.CHAT_MESSAGE, "role").set(m, 0L, call.allocateFrom(messages.get(i).role()));
                LlamaStructs.field(LlamaStructs.CHAT_MESSAGE, "content").set(m, 0L, call.allocateFrom(messages.get(i).content()));
                length += messages.get(i).content().length() * 4L + 64;
            }
            MemorySegment template = info.chatTemplate() == null ? MemorySegment.NULL : call.allocateFrom(info.chatTemplate());
            int capacity = (int) Math.min(Integer.MAX_VALUE - 1, length + 256);
            MemorySegment buf = call.allocate(capacity);
            int n = Llama.chatApplyTemplate(template, list, messages.size(), addAssistant, buf, capacity);
            if (n < 0) {
                return null;
            }
            if (n > capacity) {
                capacity = n;
                buf = call.allocate(capacity);
                n = Llama.chatApplyTemplate(template, list, messages.size(), addAssistant, buf, capacity);
            }
            return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    // ---- embeddings -------------------------------------------------------------------------------

    /**
     * The pooled, L2-normalised embedding of one input, computed in a sequence of its own (one sequence per
     * decode, so MEAN pooling is exact). Runs between decode steps of the generation loop.
     */
    public float[] embed(int[] tokens) {
        if (!info.embeds()) {
            throw ApiException.badRequest("model '" + info.file() + "' does not make embeddings: it declares no "
                    + "pooling (mean, cls or last); load an embedding model");
        }
        int limit = Math.min(batch.capacity(), info.slotContext());
        if (tokens.length == 0) {
            throw ApiException.badRequest("embedding input is empty");
        }
        if (tokens.length > limit) {
            throw ApiException.badRequest("embedding input has " + tokens.length + " tokens; this model takes at most "
                    + limit + " per input");
        }
        batch.clear();
        for (int i = 0; i < tokens.length; i++) {
            batch.add(tokens[i], i, embeddingSeq, true);
        }
        if (!hasEncoder) {
            Llama.setEmbeddings(ctx, true);
        }
        try {
            // llama_encode only where the model has an encoder: on a decoder-only model it crashes the process.
            int rc = hasEncoder ? Llama.encode(ctx, batch.struct()) : Llama.decode(ctx, batch.struct());
            if (rc != 0) {
                throw new ApiException(500, "server_error", "decode_failed", "llama.cpp could not compute the embedding (code " + rc + ")");
            }
            MemorySegment vector = Llama.embeddingsSeq(ctx, embeddingSeq);
            if (MemorySegment.NULL.equals(vector)) {
                throw new ApiException(500, "server_error", "no_embedding", "llama.cpp returned no pooled embedding");
            }
            float[] v = vector.reinterpret((long) info.embeddingSize() * Float.BYTES).toArray(JAVA_FLOAT);
            return normalised(v);
        } finally {
            if (!hasEncoder) {
                Llama.setEmbeddings(ctx, false);
                Llama.memorySeqRm(memory, embeddingSeq, -1, -1);
            }
            batch.clear();
        }
    }

    private static float[] normalised(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
        return v;
    }

    @Override
    public void close() {
        Llama.free(ctx);
        Llama.modelFree(model);
        arena.close();
    }

    @Override
    public String toString() {
        return info.file() + " " + Arrays.asList(info.description(), info.contextSize() + " ctx");
    }
}
