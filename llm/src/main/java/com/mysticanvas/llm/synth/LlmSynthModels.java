package com.mysticanvas.llm.synth;

import java.io.IOException;
import java.nio.file.Path;

/** Writes random-weight GGUF models for tests and benchmarks ({@code synth-models}). */
public final class LlmSynthModels {
    private LlmSynthModels() {}

    /** Writes the preset's language model(s) under {@code out/llm/}; presets without one write nothing. */
    public static void write(String preset, Path out) throws IOException {
        throw new UnsupportedOperationException("GGUF writer not implemented yet (issue 5)");
    }
}
