package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import java.util.List;

/** What a running generation reports, in order: any number of {@link Text}, then {@link Done} or {@link Failed}. */
public sealed interface GenerationEvent {
    /** New text (whole UTF-8 characters; text that may begin a stop string is held back until it is known). */
    record Text(String text) implements GenerationEvent {}

    record Done(FinishReason reason, Usage usage) implements GenerationEvent {}

    /**
     * A generated token's log probability under the model (its raw logits' softmax) and the {@code top} most likely
     * tokens at that place, when the request asked for them; sent before the token's text.
     */
    record Logprob(Candidate token, List<Candidate> top) implements GenerationEvent {
        public Logprob {
            top = List.copyOf(top);
        }
    }

    /** A token's text (its bytes decoded; a piece of a character shows as U+FFFD), bytes and log probability. */
    record Candidate(String text, byte[] bytes, double logprob) {}

    record Failed(Problem error) implements GenerationEvent {}
}
