package com.mysticanvas.orchestrator.workers;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.mysticanvas.core.system.ComputeDevice;
import com.mysticanvas.core.worker.WorkerKind;
import java.util.List;
import java.util.Locale;

/**
 * A worker as the UI and {@code /api/workers} see it.
 *
 * @param kind      which worker (JSON {@code name}: {@code llm} or {@code sd})
 * @param uptimeMs  time since it became ready, or null
 * @param rssBytes  resident memory of the worker process, or null when not running
 * @param model     the model it reports loaded, or null
 * @param loading   the model it is loading now, or null
 * @param lastError why it last stopped or failed, or null
 * @param host      a remote worker's address ({@code gpu-box:7001}), or null for one this orchestrator runs
 * @param devices   what it computes on (the CPU, its GPUs and their memory), as its health last said; empty when unknown
 * @param standby   the workers of its kind that stand by while it serves (a {@link WorkerPool}'s others, in order)
 */
public record WorkerStatus(@JsonProperty("name") WorkerKind kind, State state, Long pid, Integer port, int restarts,
                           Long uptimeMs, Long rssBytes, String model, String loading, String lastError, String host,
                           List<ComputeDevice> devices, List<WorkerStatus> standby) {
    public WorkerStatus {
        devices = devices == null ? List.of() : List.copyOf(devices);
        standby = standby == null ? List.of() : List.copyOf(standby);
    }

    /** This status with the workers that stand by behind it. */
    public WorkerStatus withStandby(List<WorkerStatus> others) {
        return new WorkerStatus(kind, state, pid, port, restarts, uptimeMs, rssBytes, model, loading, lastError, host,
                devices, others);
    }

    /** Where a worker is in its life; JSON has the lower-case name. DOWN: a remote worker that does not answer. */
    public enum State {
        STARTING, READY, RESTARTING, STOPPED, DOWN;

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** True for a worker on another machine: not started, restarted or memory-arbitrated from here. */
    public boolean remote() {
        return host != null;
    }

    public boolean ready() {
        return state == State.READY;
    }
}
