package com.mysticanvas.core.worker;

import com.fasterxml.jackson.annotation.JsonValue;
import com.mysticanvas.core.Problem;

/** The two worker processes the orchestrator runs; {@link #id()} is the name used in routes, logs and JSON (its JSON value). */
public enum WorkerKind {
    LLM("llm", "llm-worker"),
    SD("sd", "sd-worker");

    private final String id;
    private final String mode;

    WorkerKind(String id, String mode) {
        this.id = id;
        this.mode = mode;
    }

    @JsonValue
    public String id() {
        return id;
    }

    /** The value of {@code --mode} that starts this worker. */
    public String mode() {
        return mode;
    }

    public static WorkerKind fromId(String id) {
        for (WorkerKind kind : values()) {
            if (kind.id.equals(id)) {
                return kind;
            }
        }
        throw Problem.notFound("unknown worker '" + id + "'; expected llm or sd");
    }
}
