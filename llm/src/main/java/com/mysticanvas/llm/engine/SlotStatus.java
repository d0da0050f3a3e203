package com.mysticanvas.llm.engine;

/**
 * One slot as {@code GET /v1/llm/slots} shows it (llama-server's {@code /slots}).
 *
 * @param id             its sequence id
 * @param busy           a request is generating in it
 * @param cachedTokens   tokens its KV cache holds (the conversation it keeps for the next turn)
 * @param promptTokens   the running request's prompt, 0 when idle
 * @param promptDone     how much of that prompt is in the cache (reused or evaluated)
 * @param generated      tokens the running request has generated
 * @param idleMillis     since its last request finished (0 while busy; -1 never used)
 */
public record SlotStatus(int id, boolean busy, int cachedTokens, int promptTokens, int promptDone, int generated,
                         long idleMillis) {}
