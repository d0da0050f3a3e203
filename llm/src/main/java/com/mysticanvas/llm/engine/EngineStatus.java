package com.mysticanvas.llm.engine;

/**
 * A snapshot of the engine for {@code GET /v1/llm/status} and {@code /health}.
 *
 * @param model           the loaded model, or null
 * @param loading         file being loaded, or null
 * @param loadProgress    0..1 while loading
 * @param lastError       the last load failure, or null
 * @param busySlots       slots generating now
 * @param queued          requests waiting for a slot
 * @param lastPromptPerSecond     prompt tokens/s of the last finished request
 * @param lastGenerationPerSecond generated tokens/s of the last finished request
 */
public record EngineStatus(ModelInfo model, String loading, double loadProgress, String lastError, int busySlots,
                           int queued, double lastPromptPerSecond, double lastGenerationPerSecond) {
    public int freeSlots() {
        return model == null ? 0 : model.slots() - busySlots;
    }
}
