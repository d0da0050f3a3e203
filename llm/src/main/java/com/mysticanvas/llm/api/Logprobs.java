package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.engine.GenerationEvent;
import com.mysticanvas.llm.engine.GenerationRequest;
import java.util.List;

/** OpenAI's {@code logprobs}: what a request asks for, and the answer's shapes for chat and for text completions. */
final class Logprobs {
    private Logprobs() {}

    /** Chat: {@code logprobs: true} and {@code top_logprobs} 0..20 (which needs it); -1 when not asked. */
    static int chatRequest(JsonNode body) {
        boolean on = Fields.bool(body, "logprobs", false);
        boolean topGiven = Fields.present(body, "top_logprobs");
        int top = (int) Fields.integer(body, "top_logprobs", 0, GenerationRequest.MAX_LOGPROBS, 0);
        if (topGiven && !on) {
            throw Problem.badInput("'top_logprobs' needs 'logprobs': true");
        }
        return on ? top : -1;
    }

    /** Text completions: {@code logprobs} as the number of likeliest tokens, 0..20 (OpenAI: 5); -1 when absent. */
    static int completionRequest(JsonNode body) {
        return Fields.present(body, "logprobs")
                ? (int) Fields.integer(body, "logprobs", 0, GenerationRequest.MAX_LOGPROBS, 0) : -1;
    }

    /** Chat's {@code {content: [{token, logprob, bytes, top_logprobs}], refusal: null}}. */
    static ObjectNode chat(List<GenerationEvent.Logprob> tokens) {
        ObjectNode out = Json.object();
        ArrayNode content = out.putArray("content");
        for (GenerationEvent.Logprob l : tokens) {
            ObjectNode entry = candidate(content.addObject(), l.token());
            ArrayNode top = entry.putArray("top_logprobs");
            l.top().forEach(c -> candidate(top.addObject(), c));
        }
        out.putNull("refusal");
        return out;
    }

    /** Text completions' {@code {tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}}. */
    static ObjectNode completion(List<GenerationEvent.Logprob> tokens, int textOffset) {
        ObjectNode out = Json.object();
        ArrayNode text = out.putArray("tokens");
        ArrayNode logprob = out.putArray("token_logprobs");
        ArrayNode top = out.putArray("top_logprobs");
        ArrayNode offsets = out.putArray("text_offset");
        int offset = textOffset;
        for (GenerationEvent.Logprob l : tokens) {
            text.add(l.token().text());
            logprob.add(l.token().logprob());
            ObjectNode likeliest = top.addObject();
            l.top().forEach(c -> likeliest.put(c.text(), c.logprob()));
            offsets.add(offset);
            offset += l.token().text().length();
        }
        return out;
    }

    private static ObjectNode candidate(ObjectNode into, GenerationEvent.Candidate c) {
        into.put("token", c.text()).put("logprob", c.logprob());
        ArrayNode bytes = into.putArray("bytes");
        for (byte b : c.bytes()) {
            bytes.add(b & 0xff);
        }
        return into;
    }
}
