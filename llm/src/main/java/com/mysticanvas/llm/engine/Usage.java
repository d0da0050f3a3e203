package com.mysticanvas.llm.engine;

/**
 * Token counts of one request.
 *
 * @param promptTokens     tokens of the prompt
 * @param completionTokens tokens generated
 * @param cachedTokens     prompt tokens reused from the slot's KV cache (not computed again)
 * @param promptPerSecond  prompt processing speed of this request (0 if nothing was computed)
 * @param genPerSecond     generation speed of this request (0 if fewer than two tokens)
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens, double promptPerSecond,
                    double genPerSecond) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
