package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.llama.LlamaBatch;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Iterator;
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

    /** One decode step for everything in flight. */
    void step() {
        dropCancelled();
        admit();
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
        for (int k = 0; k < slots.length && batch.size() < batch.capacity(); k++) {
            Slot s = slots[(rotation + k) % slots.length];
            Active a = s.active;
            if (a == null || a.promptDone()) {
                continue;
            }
            int n = Math.min(batch.capacity() - batch.size(), a.prompt.length - a.promptFed);
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
            return;
        }
        int rc = Llama.decode(model.context(), batch.struct());
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
        int token = Llama.samplerSample(a.sampler, model.context(), a.outputIndex);
        a.outputIndex = -1;
        a.pending = -1;
        if (a.generated++ == 0) {
            a.firstTokenNanos = System.nanoTime();
        }
        if (model.isEndOfGeneration(token)) {
            finish(s, FinishReason.STOP);
            return;
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
                Llama.memorySeqRm(model.memory(), s.seq, -1, -1);
                s.truncate(0);
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

    /** Gives waiting requests the free slot whose cache shares the longest prefix with their prompt. */
    private void admit() {
        while (!waiting.isEmpty()) {
            Queued q = waiting.peek();
            Slot best = null;
            int bestPrefix = -1;
            for (Slot s : slots) {
                if (s.active != null) {
                    continue;
                }
                int prefix = s.commonPrefix(q.prompt());
                if (prefix > bestPrefix || (prefix == bestPrefix && s.lastUsed < best.lastUsed)) {
                    best = s;
                    bestPrefix = prefix;
                }
            }
            if (best == null) {
                return;
            }
            waiting.poll();
            // At least the last prompt token is decoded again: its logits give the first new token.
            int keep = Math.min(bestPrefix, q.prompt().length - 1);
            if (keep < best.cachedLength() && !Llama.memorySeqRm(model.memory(), best.seq, keep, -1)) {
                Llama.memorySeqRm(model.memory(), best.seq, -1, -1); // recurrent state: only a full reset works
                keep = 0;
            }
            best.truncate(keep);
            Active a = new Active(q.handle(), q.request(), q.prompt(), q.sampler());
            a.reused = keep;
            a.promptFed = keep;
            best.active = a;
        }
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
