package com.mysticanvas.orchestrator;

/**
 * A worker as the UI and {@code /api/workers} see it.
 *
 * @param state     starting, ready, restarting or stopped
 * @param uptimeMs  time since it became ready, or null
 * @param rssBytes  resident memory of the worker process, or null when not running
 * @param model     the model it reports loaded, or null
 * @param loading   the model it is loading now, or null
 * @param lastError why it last stopped or failed, or null
 */
public record WorkerStatus(String name, String state, Long pid, Integer port, int restarts, Long uptimeMs,
                           Long rssBytes, String model, String loading, String lastError) {}
