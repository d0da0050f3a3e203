package com.mysticanvas.orchestrator.storage;

/**
 * One turn of a conversation. {@code status}: complete; streaming (being generated now); incomplete
 * (generation stopped by the user, a disconnect or a crash: what was generated is kept); error.
 */
public record Message(String id, String conversationId, int seq, String role, String content, String reasoning,
                      String status, String error, String imageId, Integer promptTokens,
                      Integer completionTokens, Double tokensPerSecond, long createdAt) {
    public static final String COMPLETE = "complete";
    public static final String STREAMING = "streaming";
    public static final String INCOMPLETE = "incomplete";
    public static final String ERROR = "error";
}
