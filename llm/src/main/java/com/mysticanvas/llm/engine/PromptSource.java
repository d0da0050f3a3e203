package com.mysticanvas.llm.engine;

/** Produces a request's prompt tokens from the loaded model (templating, tokenizing); runs on the engine thread. */
@FunctionalInterface
public interface PromptSource {
    int[] tokens(LoadedModel model);
}
