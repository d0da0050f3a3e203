package com.mysticanvas.core.worker;

/**
 * The workers' routes that the orchestrator calls itself (the rest it only proxies), spelled once for both sides:
 * the worker registers them, the orchestrator's typed worker APIs call them. The full route list is in
 * docs/api.md.
 */
public final class WorkerPaths {
    /** Every worker: liveness and what it has loaded. */
    public static final String HEALTH = "/health";

    public static final String CHAT_COMPLETIONS = "/v1/chat/completions";
    public static final String COMPLETIONS = "/v1/completions";
    public static final String EMBEDDINGS = "/v1/embeddings";
    public static final String LLM_MODELS = "/v1/llm/models";
    public static final String LLM_LOAD = "/v1/llm/load";
    public static final String LLM_UNLOAD = "/v1/llm/unload";
    public static final String LLM_STATUS = "/v1/llm/status";
    public static final String LLM_ESTIMATE = "/v1/llm/estimate";

    public static final String SD_CHECKPOINTS = "/v1/models/checkpoints";
    public static final String SD_LOAD = "/v1/models/load";
    public static final String SD_UNLOAD = "/v1/models/unload";
    public static final String IMAGE_GENERATIONS = "/v1/images/generations";
    public static final String IMAGE_EDITS = "/v1/images/edits";
    public static final String IMAGE_INTERRUPT = "/v1/images/interrupt";
    public static final String IMAGE_JOB_EVENTS = "/v1/images/jobs/events";
    public static final String IMAGE_CAPABILITIES = "/v1/images/capabilities";
    public static final String A1111_TXT2IMG = "/sdapi/v1/txt2img";
    public static final String A1111_IMG2IMG = "/sdapi/v1/img2img";
    public static final String A1111_EXTRA_SINGLE_IMAGE = "/sdapi/v1/extra-single-image";
    public static final String A1111_OPTIONS = "/sdapi/v1/options";

    private WorkerPaths() {}
}
