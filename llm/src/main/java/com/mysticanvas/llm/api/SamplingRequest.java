package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.engine.GenerationRequest;
import com.mysticanvas.llm.engine.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The generation fields chat and text completions share: sampling, limits, stop strings, streaming.
 * Defaults are llama.cpp's (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05).
 */
record SamplingRequest(GenerationRequest generation, boolean stream, boolean includeUsage) {
    private static final int MAX_STOPS = 16;

    static SamplingRequest parse(JsonNode body, String grammar) {
        for (String field : new String[] {"n", "best_of"}) {
            if (Fields.integer(body, field, 0, Integer.MAX_VALUE, 1) != 1) {
                throw Problem.badInput("only " + field + " = 1 is supported (one choice per request)");
            }
        }
        SamplingParams d = SamplingParams.DEFAULTS;
        long maxTokens = Fields.integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE,
                Fields.integer(body, "max_tokens", 1, Integer.MAX_VALUE, Integer.MAX_VALUE));
        Long seed = Fields.present(body, "seed") ? Fields.integer(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE, 0) : null;
        SamplingParams sampling = new SamplingParams(
                (float) Fields.number(body, "temperature", 0, 2, d.temperature()),
                (float) Fields.number(body, "top_p", 0, 1, d.topP()),
                (int) Fields.integer(body, "top_k", 0, 1 << 20, d.topK()),
                (float) Fields.number(body, "min_p", 0, 1, d.minP()),
                seed,
                (float) Fields.number(body, "repeat_penalty", 0.01, 10, d.repeatPenalty()),
                (float) Fields.number(body, "presence_penalty", -2, 2, d.presencePenalty()),
                (float) Fields.number(body, "frequency_penalty", -2, 2, d.frequencyPenalty()),
                (int) Fields.integer(body, "repeat_last_n", -1, 1 << 20, d.penaltyLastN()),
                logitBias(body.get("logit_bias")),
                grammar);
        boolean stream = Fields.bool(body, "stream", false);
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull() && !options.isObject()) {
            throw Problem.badInput("'stream_options' must be an object");
        }
        boolean includeUsage = options != null && Fields.bool(options, "include_usage", false);
        // min_reply_tokens (ours): refuse a prompt that leaves less room than this for the answer (the studio fits
        // long conversations to the context with it)
        int minReply = (int) Fields.integer(body, "min_reply_tokens", 0, Integer.MAX_VALUE, 0);
        return new SamplingRequest(new GenerationRequest(sampling, (int) maxTokens, stops(body.get("stop"))).withMinReply(minReply),
                stream, includeUsage);
    }

    private static Map<Integer, Float> logitBias(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw Problem.badInput("'logit_bias' must be an object of token id to bias");
        }
        Map<Integer, Float> bias = new HashMap<>();
        for (var e : node.properties()) {
            int token;
            try {
                token = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw Problem.badInput("'logit_bias' keys must be token ids, got '" + e.getKey() + "'");
            }
            if (token < 0) {
                throw Problem.badInput("'logit_bias' token id " + token + " is negative");
            }
            bias.put(token, (float) Fields.number(node, e.getKey(), -100, 100, 0));
        }
        return bias;
    }

    private static List<String> stops(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> stops = new ArrayList<>();
        if (node.isTextual()) {
            stops.add(node.asText());
        } else if (node.isArray()) {
            for (JsonNode s : node) {
                if (!s.isTextual()) {
                    throw Problem.badInput("'stop' must be a string or an array of strings");
                }
                stops.add(s.asText());
            }
        } else {
            throw Problem.badInput("'stop' must be a string or an array of strings");
        }
        if (stops.size() > MAX_STOPS) {
            throw Problem.badInput("'stop' has " + stops.size() + " strings; at most " + MAX_STOPS);
        }
        for (String s : stops) {
            if (s.isEmpty() || s.length() > 1000) {
                throw Problem.badInput("each 'stop' string must have 1 to 1000 characters");
            }
        }
        return stops;
    }
}
