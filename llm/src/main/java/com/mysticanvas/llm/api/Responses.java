package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.engine.Usage;
import java.security.SecureRandom;

/** Pieces shared by the OpenAI-shaped answers: ids, timestamps, usage. */
final class Responses {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();

    private Responses() {}

    static String id(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static ObjectNode usage(Usage u) {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", u.promptTokens());
        usage.put("completion_tokens", u.completionTokens());
        usage.put("total_tokens", u.totalTokens());
        usage.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        return usage;
    }

    /** llama.cpp-style speeds of this request (tokens per second). */
    static ObjectNode timings(Usage u) {
        ObjectNode t = Json.object();
        t.put("prompt_per_second", round(u.promptPerSecond()));
        t.put("predicted_per_second", round(u.genPerSecond()));
        return t;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
