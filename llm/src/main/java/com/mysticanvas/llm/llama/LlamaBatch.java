package com.mysticanvas.llm.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@code llama_batch} whose arrays live in a Java arena: up to {@code capacity} tokens, each in one sequence.
 * Refilled for every decode step with {@link #clear()} and {@link #add}.
 */
public final class LlamaBatch {
    private final int capacity;
    private final MemorySegment struct;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment seqCounts;
    private final MemorySegment seqCells;
    private final MemorySegment logits;
    private int size;

    public LlamaBatch(Arena arena, int capacity) {
        this.capacity = capacity;
        struct = arena.allocate(LlamaStructs.BATCH);
        tokens = arena.allocate(JAVA_INT, capacity);
        positions = arena.allocate(JAVA_INT, capacity);
        seqCounts = arena.allocate(JAVA_INT, capacity);
        seqCells = arena.allocate(JAVA_INT, capacity);
        MemorySegment seqPointers = arena.allocate(ADDRESS, capacity);
        logits = arena.allocate(JAVA_BYTE, capacity);
        for (int i = 0; i < capacity; i++) {
            seqCounts.setAtIndex(JAVA_INT, i, 1);
            seqPointers.setAtIndex(ADDRESS, i, seqCells.asSlice((long) i * Integer.BYTES, Integer.BYTES));
        }
        LlamaStructs.field(LlamaStructs.BATCH, "token").set(struct, 0L, tokens);
        LlamaStructs.field(LlamaStructs.BATCH, "embd").set(struct, 0L, MemorySegment.NULL);
        LlamaStructs.field(LlamaStructs.BATCH, "pos").set(struct, 0L, positions);
        LlamaStructs.field(LlamaStructs.BATCH, "n_seq_id").set(struct, 0L, seqCounts);
        LlamaStructs.field(LlamaStructs.BATCH, "seq_id").set(struct, 0L, seqPointers);
        LlamaStructs.field(LlamaStructs.BATCH, "logits").set(struct, 0L, logits);
    }

    public void clear() {
        size = 0;
    }

    /** Appends a token; returns its index in the batch (the index to sample from when {@code output}). */
    public int add(int token, int position, int seq, boolean output) {
        if (size == capacity) {
            throw new IllegalStateException("batch full (" + capacity + " tokens)");
        }
        tokens.setAtIndex(JAVA_INT, size, token);
        positions.setAtIndex(JAVA_INT, size, position);
        seqCells.setAtIndex(JAVA_INT, size, seq);
        logits.set(JAVA_BYTE, size, (byte) (output ? 1 : 0));
        return size++;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** The struct to pass by value to {@code llama_decode}, with n_tokens set to the current size. */
    public MemorySegment struct() {
        struct.set(JAVA_INT, 0, size);
        return struct;
    }
}
