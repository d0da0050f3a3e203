package com.mysticanvas.llm.engine;

import java.lang.foreign.MemorySegment;

/** A request being processed in a slot: prompt progress, sampler, text so far. Engine thread only. */
final class Active {
    final Generation handle;
    final GenerationRequest request;
    final int[] prompt;
    final MemorySegment sampler;
    final TextStream text;
    final long admittedNanos;
    int reused;
    /** Next prompt token to feed; equals prompt.length once the prompt is in. */
    int promptFed;
    /** Token sampled last step, decoded in the next one (-1: none yet). */
    int pending = -1;
    int generated;
    /** Index of this request's output in the current batch (-1: none). */
    int outputIndex = -1;
    long firstTokenNanos;

    Active(Generation handle, GenerationRequest request, int[] prompt, MemorySegment sampler) {
        this.handle = handle;
        this.request = request;
        this.prompt = prompt;
        this.sampler = sampler;
        this.text = new TextStream(request.stop());
        this.admittedNanos = System.nanoTime();
    }

    boolean promptDone() {
        return promptFed == prompt.length;
    }
}
