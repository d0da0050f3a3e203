package com.mysticanvas.core;

/**
 * Bounds on what one request may ask for, set on the command line and passed to the workers. Every limit
 * answers with a clear 4xx/429 when exceeded; none can be set beyond {@link #HARD}, the sizes the engines
 * were written for.
 *
 * @param maxImageSide   largest image width or height, pixels
 * @param maxSteps       most sampler steps per image
 * @param maxBatch       most images per request ({@code n}, {@code batch_size * n_iter})
 * @param maxPromptChars longest prompt, characters (image prompts; chat messages are bounded by the context)
 * @param imageQueue     image jobs that may wait behind the running one
 * @param maxTokens      most tokens one reply may generate (0: up to the context)
 * @param llmQueue       chat/completion requests that may wait for a free slot
 * @param maxStreams     event streams the orchestrator relays at once (chat, images, proxied SSE)
 */
public record Limits(int maxImageSide, int maxSteps, int maxBatch, int maxPromptChars, int imageQueue,
                     int maxTokens, int llmQueue, int maxStreams) {
    /** The most any configuration may allow (checked against nothing while it is being made itself). */
    public static final Limits HARD = new Limits(8192, 1000, 64, 200_000, 256, 1 << 20, 1024, 4096);
    public static final Limits DEFAULTS = new Limits(2048, 150, 16, 20_000, 8, 0, 16, 64);

    public Limits {
        check("max image side", maxImageSide, 64, HARD == null ? Integer.MAX_VALUE : HARD.maxImageSide);
        check("max steps", maxSteps, 1, HARD == null ? Integer.MAX_VALUE : HARD.maxSteps);
        check("max batch", maxBatch, 1, HARD == null ? Integer.MAX_VALUE : HARD.maxBatch);
        check("max prompt chars", maxPromptChars, 1, HARD == null ? Integer.MAX_VALUE : HARD.maxPromptChars);
        check("image queue", imageQueue, 0, HARD == null ? Integer.MAX_VALUE : HARD.imageQueue);
        check("max tokens", maxTokens, 0, HARD == null ? Integer.MAX_VALUE : HARD.maxTokens);
        check("llm queue", llmQueue, 0, HARD == null ? Integer.MAX_VALUE : HARD.llmQueue);
        check("max streams", maxStreams, 1, HARD == null ? Integer.MAX_VALUE : HARD.maxStreams);
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
