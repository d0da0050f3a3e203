package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;

/** What a running generation reports, in order: any number of {@link Text}, then {@link Done} or {@link Failed}. */
public sealed interface GenerationEvent {
    /** New text (whole UTF-8 characters; text that may begin a stop string is held back until it is known). */
    record Text(String text) implements GenerationEvent {}

    record Done(FinishReason reason, Usage usage) implements GenerationEvent {}

    record Failed(Problem error) implements GenerationEvent {}
}
