package com.mysticanvas.orchestrator.backends;

import com.mysticanvas.orchestrator.storage.Database;
import java.net.URI;
import java.util.List;

/** The external backends the user added, with their keys (which only the orchestrator ever reads back). */
final class ConnectionStore {
    private final Database db;

    ConnectionStore(Database db) {
        this.db = db;
    }

    public List<Connection> all() {
        return db.query("SELECT id, name, kind, url, api_key, priority, enabled, prefix FROM connections ORDER BY priority DESC, created_at",
                rs -> new Connection(rs.getString(1), rs.getString(2), Connection.Kind.valueOf(rs.getString(3).toUpperCase()),
                        URI.create(rs.getString(4)), rs.getString(5), rs.getInt(6), rs.getInt(7) != 0, rs.getString(8)));
    }

    public void save(Connection c) {
        db.update("INSERT INTO connections (id, name, kind, url, api_key, priority, enabled, prefix, created_at) VALUES (?,?,?,?,?,?,?,?,?) "
                        + "ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, url = excluded.url, "
                        + "api_key = excluded.api_key, priority = excluded.priority, enabled = excluded.enabled, prefix = excluded.prefix",
                c.id(), c.name(), c.kind().name().toLowerCase(), c.url().toString(), c.apiKey(), c.priority(), c.enabled() ? 1 : 0,
                c.prefix(), System.currentTimeMillis());
    }

    public boolean delete(String id) {
        return db.update("DELETE FROM connections WHERE id = ?", id) > 0;
    }
}
