package com.mysticanvas.orchestrator.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import java.util.regex.Pattern;

/** User settings as JSON values under short keys (defaults for chat and images, thread split, theme ...). */
public final class SettingsStore {
    private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final int MAX_VALUE = 64 * 1024;

    /**
     * The remote workers saved in Settings ({@code {llm: [URL...], sd: [URL...], local: ["llm"], token}}), taken when
     * the orchestrator starts. Its {@code token} is a secret: never read back to a client ({@link #forClients}), and kept
     * when a client saves the rest without it ({@link #mergeFromClient}).
     */
    public static final String REMOTE_WORKERS = "remoteWorkers";

    private final Database db;

    public SettingsStore(Database db) {
        this.db = db;
    }

    public ObjectNode all() {
        ObjectNode out = Json.object();
        db.query("SELECT key, value FROM settings ORDER BY key", rs -> out.set(rs.getString(1), Json.parse(rs.getString(2))));
        return out;
    }

    /** Every setting as a client may see it: secrets left out, {@code hasToken} saying whether one is saved. */
    public ObjectNode forClients() {
        return redacted(all());
    }

    /** A client's {@link #merge}: a remote workers' setting saved without its {@code token} keeps the saved one. */
    public ObjectNode mergeFromClient(JsonNode changes) {
        if (changes != null && changes.path(REMOTE_WORKERS) instanceof ObjectNode workers) {
            workers.remove("hasToken");
            JsonNode saved = all().path(REMOTE_WORKERS).path("token");
            if (!workers.has("token") && saved.isTextual()) {
                workers.set("token", saved);
            }
        }
        return redacted(merge(changes));
    }

    private static ObjectNode redacted(ObjectNode settings) {
        if (settings.path(REMOTE_WORKERS) instanceof ObjectNode workers) {
            boolean has = workers.path("token").isTextual() && !workers.path("token").asText().isEmpty();
            workers.remove("token");
            workers.put("hasToken", has);
        }
        return settings;
    }

    /** Stores every key of {@code changes} in one transaction; a JSON null removes the key. */
    public ObjectNode merge(JsonNode changes) {
        if (changes == null || !changes.isObject()) {
            throw Problem.badInput("settings must be a JSON object of key: value");
        }
        changes.properties().forEach(e -> {
            if (!KEY.matcher(e.getKey()).matches()) {
                throw Problem.badInput("bad settings key '" + e.getKey() + "': letters, digits, _ . - (max 64)");
            }
            if (Json.write(e.getValue()).length() > MAX_VALUE) {
                throw Problem.tooLarge("setting '" + e.getKey() + "' is larger than " + MAX_VALUE + " bytes");
            }
        });
        db.transaction(c -> {
            for (var e : changes.properties()) {
                if (e.getValue().isNull()) {
                    Database.update(c, "DELETE FROM settings WHERE key = ?", e.getKey());
                } else {
                    Database.update(c, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            e.getKey(), Json.write(e.getValue()));
                }
            }
            return null;
        });
        return all();
    }
}
