package com.mysticanvas.orchestrator.memory;

import java.util.Locale;

/** What to do when an image job or a model load would not fit in memory beside the other worker's model. */
public enum MemoryPolicy {
    /** Never unload anything for the other worker; work that would not fit is refused before it starts. */
    KEEP_BOTH,
    /** Unload the language model for every image job and load it again after; predictable, frees the most. */
    UNLOAD_LLM_FOR_IMAGES,
    /** Unload the language model only when an image job or image model would not fit otherwise (default). */
    AUTO;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static MemoryPolicy parse(String id) {
        for (MemoryPolicy p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown --memory-policy '" + id + "': expected keep-both, unload-llm-for-images or auto");
    }
}
