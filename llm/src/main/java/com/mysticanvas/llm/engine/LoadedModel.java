package com.mysticanvas.llm.engine;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.llama.LlamaBatch;
import com.mysticanvas.llm.llama.LlamaStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model and its context in llama.cpp ({@link ModelLoader} makes them), owned by the engine thread (its arena is
 * confined to it): tokenizer, built-in chat templates and embeddings. Freed by {@link #close()}, which really
 * returns the memory.
 */
public final class LoadedModel implements AutoCloseable {
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

    LoadedModel(MemorySegment model, MemorySegment ctx, ModelInfo info, boolean hasEncoder, int embeddingSeq) {
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
                    throw Problem.badInput("text too long to tokenize");
                }
                capacity = -n;
                out = call.allocate(JAVA_INT, capacity);
                n = Llama.tokenize(vocab, bytes, utf8.length, out, capacity, addSpecial, parseSpecial);
            }
            return out.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
        }
    }

    /** The UTF-8 bytes a generated token stands for; control tokens give their text only with {@code special}. */
    byte[] piece(int token, boolean special) {
        int n = Llama.tokenToPiece(vocab, token, pieceBuffer, (int) pieceBuffer.byteSize(), special);
        if (n < 0) {
            pieceBuffer = arena.allocate(-n);
            n = Llama.tokenToPiece(vocab, token, pieceBuffer, (int) pieceBuffer.byteSize(), special);
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
                throw Problem.badInput(what + " contains token id " + t + ", outside the vocabulary (0 to "
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
        return normalised(pooled(tokens));
    }

    /**
     * A reranker's relevance score of {@code document} for {@code query}: the first output of rank pooling over
     * llama-server's pair layout, {@code BOS query EOS SEP document EOS} (each marker where the vocabulary has it).
     */
    public float rank(String query, String document) {
        if (info.pooling() != Llama.POOLING_RANK) {
            throw Problem.badInput("model '" + info.file() + "' is not a reranker (its pooling is not rank); load a "
                    + "reranker GGUF");
        }
        int[] q = tokenize(query, false, false);
        int[] d = tokenize(document, false, false);
        int bos = Llama.vocabBos(vocab), eos = Llama.vocabEos(vocab), sep = Llama.vocabSep(vocab);
        java.util.stream.IntStream.Builder pair = java.util.stream.IntStream.builder();
        if (bos >= 0) {
            pair.add(bos);
        }
        java.util.Arrays.stream(q).forEach(pair::add);
        if (eos >= 0) {
            pair.add(eos);
        }
        if (sep >= 0) {
            pair.add(sep);
        }
        java.util.Arrays.stream(d).forEach(pair::add);
        if (eos >= 0) {
            pair.add(eos);
        }
        return pooled(pair.build().toArray())[0];
    }

    /** The pooled output of one input as llama.cpp computes it (not normalised). */
    private float[] pooled(int[] tokens) {
        if (!info.embeds()) {
            throw Problem.badInput("model '" + info.file() + "' does not make embeddings: it declares no "
                    + "pooling (mean, cls or last); load an embedding model");
        }
        int limit = Math.min(batch.capacity(), info.slotContext());
        if (tokens.length == 0) {
            throw Problem.badInput("embedding input is empty");
        }
        if (tokens.length > limit) {
            throw Problem.badInput("embedding input has " + tokens.length + " tokens; this model takes at most "
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
                throw Problem.internal("decode_failed", "llama.cpp could not compute the embedding (code " + rc + ")");
            }
            MemorySegment vector = Llama.embeddingsSeq(ctx, embeddingSeq);
            if (MemorySegment.NULL.equals(vector)) {
                throw Problem.internal("no_embedding", "llama.cpp returned no pooled embedding");
            }
            return vector.reinterpret((long) info.embeddingSize() * Float.BYTES).toArray(JAVA_FLOAT);
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
        return info.file() + " (" + info.description() + ", n_ctx " + info.contextSize() + ")";
    }
}
