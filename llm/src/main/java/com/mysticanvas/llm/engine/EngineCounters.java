package com.mysticanvas.llm.engine;

/**
 * What the engine has done since it started, for {@code /metrics} (llama-server's counters).
 *
 * @param requests          requests that finished generating
 * @param promptTokens      their prompt tokens
 * @param cachedTokens      of those, reused from a slot's cache
 * @param generatedTokens   tokens generated
 * @param promptSeconds     time spent on prompts (admission to first token)
 * @param generationSeconds time spent generating after the first token
 */
public record EngineCounters(long requests, long promptTokens, long cachedTokens, long generatedTokens,
                             double promptSeconds, double generationSeconds) {
    public static final EngineCounters NONE = new EngineCounters(0, 0, 0, 0, 0, 0);

    /** These with one more finished request. */
    EngineCounters plus(Usage u) {
        int computed = u.promptTokens() - u.cachedTokens();
        return new EngineCounters(requests + 1, promptTokens + u.promptTokens(), cachedTokens + u.cachedTokens(),
                generatedTokens + u.completionTokens(),
                promptSeconds + (u.promptPerSecond() > 0 ? computed / u.promptPerSecond() : 0),
                generationSeconds + (u.genPerSecond() > 0 ? (u.completionTokens() - 1) / u.genPerSecond() : 0));
    }
}
