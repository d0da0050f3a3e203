package com.mysticanvas.llm.engine;

import com.mysticanvas.core.system.ComputeDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The LLM engine the worker's HTTP API talks to: one model at a time, several requests generated together.
 * Methods block the calling thread until the engine thread has done the work; errors meant for the client
 * are {@link com.mysticanvas.core.Problem}s.
 */
public interface LlmEngine extends AutoCloseable {
    /** Unloads any model, then loads {@code file} (reported as {@code name}). */
    ModelInfo load(Path file, String name, LoadOptions options);

    /** Unloads the model (requests in flight fail with 503); frees its memory. No-op without a model. */
    void unload();

    /** Validates and queues a generation; text arrives through the returned handle. */
    Generation submit(PromptSource prompt, GenerationRequest request);

    /** Runs {@code work} with the loaded model on the engine thread (503 without a model). */
    <T> T withModel(Function<LoadedModel, T> work);

    /** A snapshot; never blocks (safe for health checks). */
    EngineStatus status();

    /** The devices it can compute on now, with their memory (never blocks: for health checks). */
    List<ComputeDevice> devices();

    @Override
    void close();
}
