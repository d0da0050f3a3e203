package com.mysticanvas.orchestrator.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import java.util.List;

/**
 * Model downloads: each job as one JSON document (its plan, state and progress) so a restart picks it up, and each
 * downloaded model's provenance (source, revision, hash), kept after its job is cleared from the list.
 */
public final class DownloadStore {
    private final Database db;

    public DownloadStore(Database db) {
        this.db = db;
    }

    public void save(String id, String state, JsonNode job) {
        long now = System.currentTimeMillis();
        db.update("INSERT INTO downloads (id, state, job, created_at, updated_at) VALUES (?,?,?,?,?) "
                + "ON CONFLICT(id) DO UPDATE SET state = excluded.state, job = excluded.job, updated_at = excluded.updated_at",
                id, state, Json.write(job), now, now);
    }

    /** Every job, oldest first. */
    public List<ObjectNode> all() {
        return db.query("SELECT job FROM downloads ORDER BY created_at, id", rs -> Json.parseObject(rs.getString(1)));
    }

    public void delete(String id) {
        db.update("DELETE FROM downloads WHERE id = ?", id);
    }

    /** Where a model file came from. */
    public record Provenance(String kind, String name, String source, String revision, String url, String sha256, long size,
                             long downloadedAt) {}

    public void saveProvenance(Provenance p) {
        db.update("INSERT INTO model_provenance (kind, name, source, revision, url, sha256, size, downloaded_at) VALUES (?,?,?,?,?,?,?,?) "
                        + "ON CONFLICT(kind, name) DO UPDATE SET source = excluded.source, revision = excluded.revision, "
                        + "url = excluded.url, sha256 = excluded.sha256, size = excluded.size, downloaded_at = excluded.downloaded_at",
                p.kind(), p.name(), p.source(), p.revision(), p.url(), p.sha256(), p.size(), p.downloadedAt());
    }

    public List<Provenance> provenance() {
        return db.query("SELECT kind, name, source, revision, url, sha256, size, downloaded_at FROM model_provenance ORDER BY kind, name",
                rs -> new Provenance(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getLong(7), rs.getLong(8)));
    }
}
