package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.llama.LlamaBatch;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Continuous batching over the context's sequences: every step puts the next token of each generating
 * request and chunks of waiting prompts into ONE {@code llama_batch}, decodes it once, and samples each
 * request's next token with its own sampler chain. Engine thread only.
 */
final class Scheduler {
    /** A validated request waiting for a slot; owns its sampler chain until admitted. */
    record Queued(Generation handle, GenerationRequest request, int[] prompt, MemorySegment sampler) {}

    private final LoadedModel model;
    private final Slot[] slots;
    private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
    private final Consumer<Usage> onFinished;
    private int rotation;

    Scheduler(LoadedModel model, Consumer<Usage> onFinished) {
        this.model = model;
        this.onFinished = onFinished;
        this.slots = new Slot[model.info().slots()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    void enqueue(Queued q) {
        waiting.add(q);
    }

    boolean hasWork() {
        if (!waiting.isEmpty()) {
            return true;
        }
        for (Slot s : slots) {
            if (s.active != null) {
                return true;
            }
        }
        return false;
    }

    int busy() {
        int n = 0;
        for (Slot s : slots) {
            n += s.active != null ? 1 : 0;
        }
        return n;
    }

    int queued() {
        return waiting.size();
    }

    /** Each slot as it stands. */
    List<SlotStatus> slots() {
        long now = System.nanoTime();
        List<SlotStatus> out = new ArrayList<>();
        for (Slot s : slots) {
            Active a = s.active;
            out.add(new SlotStatus(s.seq, a != null, s.cachedLength(), a == null ? 0 : a.prompt.length,
                    a == null ? 0 : a.promptFed, a == null ? 0 : a.generated,
                    a != null ? 0 : s.lastUsed == 0 ? -1 : (now - s.lastUsed) / 1_000_000));
        }
        return out;
    }

    /** One decode step for everything in flight. */
    void step() {
        dropCancelled();
        admit();
        makeRoomForTheNextTokens();
        LlamaBatch batch = model.batch();
        batch.clear();
        int[] fedFrom = new int[slots.length];
        int[] fedCount = new int[slots.length];
        for (Slot s : slots) {
            Active a = s.active;
            if (a != null) {
                a.outputIndex = a.pending >= 0 ? batch.add(a.pending, s.cachedLength(), s.seq, true) : -1;
            }
        }
        int free = freeCells() - batch.size();
        for (int k = 0; k < slots.length && batch.size() < batch.capacity(); k++) {
            Slot s = slots[(rotation + k) % slots.length];
            Active a = s.active;
            if (a == null || a.promptDone()) {
                continue;
            }
            while (free <= 0 && evictIdle()) {
                free = freeCells() - batch.size();
            }
            int n = Math.min(Math.min(batch.capacity() - batch.size(), a.prompt.length - a.promptFed), free);
            if (n <= 0) {
                continue; // waits for room: a generating request finishes, or is cut off below
            }
            free -= n;
            fedFrom[s.seq] = a.promptFed;
            fedCount[s.seq] = n;
            for (int i = 0; i < n; i++) {
                int at = a.promptFed + i;
                int index = batch.add(a.prompt[at], s.cachedLength() + i, s.seq, at == a.prompt.length - 1);
                if (at == a.prompt.length - 1) {
                    a.outputIndex = index;
                }
            }
        }
        rotation++;
        if (batch.size() == 0) {
            failPromptsWithoutRoom();
            return;
        }
        int rc = Llama.decode(model.context(), batch.struct());
        while (rc == 1 && evictIdle()) { // no run of free cells long enough: give it another conversation's
            rc = Llama.decode(model.context(), batch.struct());
        }
        if (rc != 0) {
            failBatch(rc, fedCount);
            return;
        }
        for (Slot s : slots) {
            Active a = s.active;
            if (a == null) {
                continue;
            }
            if (a.pending >= 0 && a.outputIndex >= 0 && fedCount[s.seq] == 0) {
                s.append(a.pending);
            }
            for (int i = 0; i < fedCount[s.seq]; i++) {
                s.append(a.prompt[fedFrom[s.seq] + i]);
            }
            a.promptFed += fedCount[s.seq];
            if (a.outputIndex >= 0) {
                sample(s, a);
            }
        }
    }

    private void sample(Slot s, Active a) {
        int index = a.outputIndex;
        int token = Llama.samplerSample(a.sampler, model.context(), index);
        a.outputIndex = -1;
        a.pending = -1;
        if (a.generated++ == 0) {
            a.firstTokenNanos = System.nanoTime();
        }
        if (model.isEndOfGeneration(token)) {
            finish(s, FinishReason.STOP);
            return;
        }
        if (a.request.logprobs() >= 0) {
            a.handle.emit(logprob(token, index, a.request.logprobs(), a.request.specialText()));
        }
        String text = a.text.accept(model.piece(token, a.request.specialText()));
        if (!text.isEmpty()) {
            a.handle.emit(new GenerationEvent.Text(text));
        }
        if (a.text.stopped()) {
            finish(s, FinishReason.STOP);
        } else if (a.generated >= a.request.maxTokens() || s.cachedLength() >= model.info().slotContext()) {
            finish(s, FinishReason.LENGTH);
        } else {
            a.pending = token;
        }
    }

    /** {@code token}'s log probability at batch entry {@code index} and the {@code top} likeliest, from the raw logits. */
    private GenerationEvent.Logprob logprob(int token, int index, int top, boolean special) {
        float[] logits = Llama.logits(model.context(), index, model.info().vocabSize());
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logZ = max + Math.log(sum);
        int[] best = new int[top];
        int found = 0;
        for (int t = 0; top > 0 && t < logits.length; t++) { // insertion into the top list: top is at most 20
            if (found < top || logits[t] > logits[best[found - 1]]) {
                int at = Math.min(found, top - 1);
                while (at > 0 && logits[best[at - 1]] < logits[t]) {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = t;
                found = Math.min(found + 1, top);
            }
        }
        List<GenerationEvent.Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < found; i++) {
            candidates.add(candidate(best[i], logits[best[i]] - logZ, special));
        }
        return new GenerationEvent.Logprob(candidate(token, logits[token] - logZ, special), candidates);
    }

    private GenerationEvent.Candidate candidate(int token, double logprob, boolean special) {
        byte[] bytes = model.piece(token, special);
        return new GenerationEvent.Candidate(new String(bytes, StandardCharsets.UTF_8), bytes, logprob);
    }

    private void finish(Slot s, FinishReason reason) {
        Active a = s.active;
        String rest = a.text.finish();
        if (!rest.isEmpty()) {
            a.handle.emit(new GenerationEvent.Text(rest));
        }
        long now = System.nanoTime();
        int computed = a.prompt.length - a.reused;
        double promptSeconds = (a.firstTokenNanos - a.admittedNanos) / 1e9;
        double genSeconds = (now - a.firstTokenNanos) / 1e9;
        Usage usage = new Usage(a.prompt.length, a.generated, a.reused,
                computed > 0 && promptSeconds > 0 ? computed / promptSeconds : 0,
                a.generated > 1 && genSeconds > 0 ? (a.generated - 1) / genSeconds : 0);
        a.handle.emit(new GenerationEvent.Done(reason, usage));
        release(s);
        onFinished.accept(usage);
    }

    private void release(Slot s) {
        Llama.samplerFree(s.active.sampler);
        s.active = null;
        s.lastUsed = System.nanoTime();
    }

    /** A failed decode: the requests in it fail, and their sequences are cleared (their state is unknown). */
    private void failBatch(int rc, int[] fedCount) {
        Problem error = rc == 1
                ? Problem.unavailable("context_full", "the context has no room for this batch; try again")
                : Problem.internal("decode_failed", "llama_decode failed with code " + rc);
        for (Slot s : slots) {
            if (s.active != null && (s.active.outputIndex >= 0 || fedCount[s.seq] > 0)) {
                s.active.handle.emit(new GenerationEvent.Failed(error));
                release(s);
                forget(s);
            }
        }
    }

    private void dropCancelled() {
        for (Slot s : slots) {
            if (s.active != null && s.active.handle.isCancelled()) {
                release(s); // the KV cache keeps what was decoded; s.cached says exactly what
            }
        }
        for (Iterator<Queued> it = waiting.iterator(); it.hasNext(); ) {
            Queued q = it.next();
            if (q.handle().isCancelled()) {
                Llama.samplerFree(q.sampler());
                it.remove();
            }
        }
    }

    /**
     * Gives waiting requests a free slot: the one whose whole cache begins the prompt (the conversation continues
     * there) or which holds the whole prompt (the same turn again: its old answer is dropped, and the same seed gives
     * the same text), else the least recently used one (an empty one first), given the longest prefix any idle slot
     * shares with the prompt (a system prompt, an edited turn) by sharing its cells ({@code llama_memory_seq_cp}).
     * So a new conversation never overwrites another's cache for the system prompt they share, which llama-server's
     * similarity rule does while conversations are short.
     */
    private void admit() {
        while (!waiting.isEmpty()) {
            Queued q = waiting.peek();
            int[] prompt = q.prompt();
            Slot continued = null;
            Slot sharing = null;
            int shared = 0;
            Slot oldest = null;
            for (Slot s : slots) {
                if (s.active != null) {
                    continue;
                }
                int prefix = s.commonPrefix(prompt);
                boolean same = s.cachedLength() > 0 && (prefix == s.cachedLength() || prefix == prompt.length);
                if (same && (continued == null || prefix > continued.commonPrefix(prompt))) {
                    continued = s;
                }
                if (prefix > shared) {
                    sharing = s;
                    shared = prefix;
                }
                if (oldest == null || s.lastUsed < oldest.lastUsed) {
                    oldest = s;
                }
            }
            if (oldest == null) {
                return;
            }
            waiting.poll();
            Slot best = continued != null ? continued : oldest;
            // At least the last prompt token is decoded again: its logits give the first new token.
            int keep = Math.min(best.commonPrefix(prompt), prompt.length - 1);
            boolean copied = best != continued && sharing != null && sharing != best
                    && Math.min(shared, prompt.length - 1) > keep;
            if (copied) {
                keep = Math.min(shared, prompt.length - 1);
                Llama.memorySeqRm(model.memory(), best.seq, -1, -1);
                Llama.memorySeqCp(model.memory(), sharing.seq, best.seq, 0, keep);
                best.copyPrefix(sharing, keep);
            }
            // a recurrent state cannot be cut (a copied one is whole): only a full reset works then
            if ((copied || keep < best.cachedLength()) && !Llama.memorySeqRm(model.memory(), best.seq, keep, -1)) {
                Llama.memorySeqRm(model.memory(), best.seq, -1, -1);
                keep = 0;
            }
            best.truncate(keep);
            Active a = new Active(q.handle(), q.request(), prompt, q.sampler());
            a.reused = keep;
            a.promptFed = keep;
            best.active = a;
        }
    }

    /** The KV cells no sequence holds: one cache is shared by all (llama.cpp's unified KV cache). */
    private int freeCells() {
        int used = 0;
        for (Slot s : slots) {
            used += s.cachedLength();
        }
        return model.info().contextSize() - used;
    }

    /** Frees the cache of the least recently used idle slot that holds one; false when none does. */
    private boolean evictIdle() {
        Slot oldest = null;
        for (Slot s : slots) {
            if (s.active == null && s.cachedLength() > 0 && (oldest == null || s.lastUsed < oldest.lastUsed)) {
                oldest = s;
            }
        }
        if (oldest == null) {
            return false;
        }
        forget(oldest);
        return true;
    }

    /**
     * Room for each generating request's next token: idle conversations' caches go first; when only running
     * requests fill the context, the longest is cut off (finish reason length) until the others fit.
     */
    private void makeRoomForTheNextTokens() {
        while (true) {
            int generating = 0;
            Slot longest = null;
            for (Slot s : slots) {
                if (s.active != null && s.active.pending >= 0) {
                    generating++;
                    if (longest == null || s.cachedLength() > longest.cachedLength()) {
                        longest = s;
                    }
                }
            }
            if (generating <= freeCells()) {
                return;
            }
            if (!evictIdle()) {
                finish(longest, FinishReason.LENGTH);
            }
        }
    }

    /**
     * Nothing could be decoded although prompts wait for room: their conversations together outgrow the context and
     * nothing else will free it, so the one that has least of its prompt in fails (its caller may try again).
     */
    private void failPromptsWithoutRoom() {
        Slot least = null;
        for (Slot s : slots) {
            if (s.active != null && !s.active.promptDone() && (least == null || s.active.promptFed < least.active.promptFed)) {
                least = s;
            }
        }
        if (least == null) {
            return;
        }
        least.active.handle.emit(new GenerationEvent.Failed(Problem.unavailable("context_full",
                "the context is full with the requests running alongside this one; try again")));
        release(least);
        forget(least);
    }

    /** Drops everything a slot's sequence caches. */
    private void forget(Slot s) {
        Llama.memorySeqRm(model.memory(), s.seq, -1, -1);
        s.truncate(0);
    }

    /** Fails everything in flight and waiting (the model is being unloaded). */
    void failAll(Problem error) {
        for (Slot s : slots) {
            if (s.active != null) {
                s.active.handle.emit(new GenerationEvent.Failed(error));
                release(s);
            }
        }
        for (Queued q : waiting) {
            Llama.samplerFree(q.sampler());
            q.handle().emit(new GenerationEvent.Failed(error));
        }
        waiting.clear();
    }
}
