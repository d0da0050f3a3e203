package com.mysticanvas.llm.engine;

import com.mysticanvas.core.Problem;
import java.util.List;

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
 * @param failure         why the engine failed and stopped (naming the cause), or null while it runs; a failed
 *                        engine runs nothing again, only a new worker process does
 * @param slots           each slot, after the last decode step (empty without a model)
 * @param counters        totals since the engine started
 */
public record EngineStatus(ModelInfo model, String loading, double loadProgress, String lastError, int busySlots,
                           int queued, double lastPromptPerSecond, double lastGenerationPerSecond, String failure,
                           List<SlotStatus> slots, EngineCounters counters) {
    public EngineStatus {
        slots = List.copyOf(slots);
    }

    /** The code of the problem every call gets from a failed engine. */
    public static final String ENGINE_FAILED = "engine_failed";

    public int freeSlots() {
        return model == null ? 0 : model.slots() - busySlots;
    }

    /** Throws the problem (unavailable, {@code engine_failed}) every call gets once the engine failed. */
    public void requireRunning() {
        if (failure != null) {
            throw Problem.unavailable(ENGINE_FAILED, failure);
        }
    }
}
