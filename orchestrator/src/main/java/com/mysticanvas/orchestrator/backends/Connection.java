package com.mysticanvas.orchestrator.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.JsonFields;
import com.mysticanvas.core.Problem;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An external inference server the studio and API may send work to: an OpenAI-compatible one (vLLM, llama-server,
 * LM Studio, Ollama's {@code /v1}, another MystiCanvas, OpenAI itself) or an A1111-compatible one (A1111, Forge,
 * sd-server) for images.
 *
 * @param url      its base, without {@code /v1} ({@code http://gpu-box:8000})
 * @param apiKey   sent as {@code Authorization: Bearer}; never shown to a browser
 * @param priority higher is tried first among the backends that have a model
 * @param prefix   put before its model names where they would clash with others' ({@code lab/})
 */
public record Connection(String id, String name, Kind kind, URI url, String apiKey, int priority, boolean enabled,
                         String prefix) {
    public enum Kind {
        OPENAI, A1111;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The connection as the API and UI see it: the key only as whether there is one. */
    public ObjectNode toJson() {
        ObjectNode out = Json.object().put("id", id).put("name", name).put("kind", kind.id()).put("url", url.toString())
                .put("has_key", apiKey != null && !apiKey.isEmpty()).put("priority", priority).put("enabled", enabled)
                .put("prefix", prefix);
        return out;
    }

    /**
     * A connection from a request body, over {@code base} (null for a new one): every field checked, a URL that is
     * http(s) with a host, a key kept when the body leaves it out.
     */
    public static Connection from(JsonNode body, Connection base, String newId) {
        if (body == null || !body.isObject()) {
            throw Problem.badInput("a connection is a JSON object: {name, kind: openai, url, api_key?, priority?, enabled?, prefix?}");
        }
        String name = JsonFields.text(body, "name", base == null ? null : base.name());
        if (name == null || name.isBlank() || name.length() > 100) {
            throw Problem.badInput("'name' is required (at most 100 characters)");
        }
        String kindText = JsonFields.text(body, "kind", base == null ? "openai" : base.kind().id());
        Kind kind;
        try {
            kind = Kind.valueOf(kindText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Problem.badInput("'kind' must be openai or a1111, not '" + kindText + "'");
        }
        String urlText = JsonFields.text(body, "url", base == null ? null : base.url().toString());
        URI url;
        try {
            url = new URI(urlText == null ? "" : urlText.strip().replaceFirst("/+$", "").replaceFirst("/v1$", ""));
        } catch (URISyntaxException e) {
            throw Problem.badInput("'url' is not a URL: " + e.getReason());
        }
        if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw Problem.badInput("'url' must be an http(s) URL with a host, such as http://gpu-box:8000");
        }
        String key = body.has("api_key") ? (body.get("api_key").isNull() ? null : body.get("api_key").asText())
                : base == null ? null : base.apiKey();
        int priority = JsonFields.integer(body, "priority", base == null ? 0 : base.priority());
        boolean enabled = JsonFields.bool(body, "enabled", base == null || base.enabled());
        String prefix = JsonFields.text(body, "prefix", base == null ? "" : base.prefix());
        if (prefix.length() > 40 || prefix.chars().anyMatch(Character::isWhitespace)) {
            throw Problem.badInput("'prefix' is at most 40 characters without spaces, such as lab/");
        }
        return new Connection(base == null ? newId : base.id(), name.strip(), kind, url, key == null || key.isBlank() ? null : key,
                priority, enabled, prefix);
    }
}
