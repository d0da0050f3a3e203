package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.engine.LlmEngine;
import com.mysticanvas.llm.engine.ModelInfo;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code POST /v1/embeddings}: one L2-normalised vector per input, pooled as the model declares (mean, cls,
 * last). A model that declares no pooling is a 400.
 */
final class Embeddings {
    private static final int MAX_INPUTS = 256;

    private final LlmEngine engine;

    Embeddings(LlmEngine engine) {
        this.engine = engine;
    }

    void handle(Context ctx) {
        ObjectNode body = Json.parseObject(ctx.body());
        Models.checkRequested(body);
        ModelInfo model = Models.loaded(engine);
        List<Object> inputs = inputs(body.get("input"));
        String format = Fields.text(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw Problem.badInput("'encoding_format' must be float or base64");
        }
        if (!model.embeds()) {
            throw Problem.badInput("model '" + model.file() + "' does not make embeddings: it declares no "
                    + "pooling (mean, cls or last); load an embedding model");
        }
        record Vector(float[] values, int tokens) {}
        // one input per task between decode steps, so that running chats keep streaming through a long list
        List<Vector> vectors = new ArrayList<>();
        for (Object input : inputs) {
            vectors.add(engine.withModel(m -> {
                int[] tokens = input instanceof String s ? m.tokenize(s, true, false) : (int[]) input;
                m.checkTokens(tokens, "input");
                return new Vector(m.embed(tokens), tokens.length);
            }));
        }
        ObjectNode response = Json.object().put("object", "list");
        ArrayNode data = response.putArray("data");
        int tokens = 0;
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            float[] v = vectors.get(i).values();
            if (format.equals("base64")) {
                ByteBuffer bytes = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(v);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float x : v) {
                    values.add(x);
                }
            }
            tokens += vectors.get(i).tokens();
        }
        response.put("model", model.file());
        response.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        ctx.json(response);
    }

    /** Strings or token-id arrays: {@code "text"}, {@code ["a","b"]}, {@code [1,2,3]} or {@code [[1,2],[3]]}. */
    private static List<Object> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw Problem.badInput("'input' is required");
        }
        List<Object> inputs = new ArrayList<>();
        if (input.isTextual()) {
            inputs.add(input.asText());
        } else if (Fields.isTokenArray(input)) {
            inputs.add(Fields.tokenIds(input, "input"));
        } else if (input.isArray()) {
            for (JsonNode item : input) {
                if (item.isTextual()) {
                    inputs.add(item.asText());
                } else if (Fields.isTokenArray(item)) {
                    inputs.add(Fields.tokenIds(item, "input"));
                } else {
                    throw Problem.badInput("'input' items must be strings or arrays of token ids");
                }
            }
        } else {
            throw Problem.badInput("'input' must be a string, an array of strings, or token ids");
        }
        if (inputs.isEmpty() || inputs.size() > MAX_INPUTS) {
            throw Problem.badInput("'input' must hold 1 to " + MAX_INPUTS + " inputs, got " + inputs.size());
        }
        for (Object i : inputs) {
            if (i instanceof String s && s.isEmpty()) {
                throw Problem.badInput("'input' must not contain empty strings");
            }
        }
        return inputs;
    }
}
