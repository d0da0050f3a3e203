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

    private final Database db;

    public SettingsStore(Database db) {
        this.db = db;
    }

    public ObjectNode all() {
        ObjectNode out = Json.object();
        db.query("SELECT key, value FROM settings ORDER BY key", rs -> out.set(rs.getString(1), Json.parse(rs.getString(2))));
        return out;
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
