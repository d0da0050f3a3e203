package com.mysticanvas.orchestrator.storage;

import java.sql.Statement;
import java.util.List;

/**
 * Versioned schema. Each entry upgrades the schema by one version, in one transaction; the version
 * reached is kept in SQLite's {@code user_version}. Append new versions; never edit a shipped one.
 */
final class Migrations {
    private static final List<String> VERSIONS = List.of(
            """
            CREATE TABLE conversations (
              id TEXT PRIMARY KEY,
              title TEXT NOT NULL,
              system_prompt TEXT NOT NULL DEFAULT '',
              settings TEXT NOT NULL DEFAULT '{}',
              created_at INTEGER NOT NULL,
              updated_at INTEGER NOT NULL
            );
            CREATE TABLE images (
              id TEXT PRIMARY KEY,
              file TEXT NOT NULL UNIQUE,
              conversation_id TEXT REFERENCES conversations(id) ON DELETE SET NULL,
              width INTEGER NOT NULL,
              height INTEGER NOT NULL,
              seed INTEGER NOT NULL,
              prompt TEXT NOT NULL,
              negative_prompt TEXT NOT NULL DEFAULT '',
              model TEXT,
              params TEXT NOT NULL DEFAULT '{}',
              created_at INTEGER NOT NULL
            );
            CREATE TABLE messages (
              id TEXT PRIMARY KEY,
              conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
              seq INTEGER NOT NULL,
              role TEXT NOT NULL CHECK (role IN ('system','user','assistant','tool')),
              content TEXT NOT NULL DEFAULT '',
              reasoning TEXT NOT NULL DEFAULT '',
              status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete','streaming','incomplete','error')),
              error TEXT,
              image_id TEXT REFERENCES images(id) ON DELETE SET NULL,
              prompt_tokens INTEGER,
              completion_tokens INTEGER,
              tokens_per_second REAL,
              created_at INTEGER NOT NULL,
              UNIQUE (conversation_id, seq)
            );
            CREATE INDEX messages_by_conversation ON messages(conversation_id, seq);
            CREATE INDEX images_by_time ON images(created_at);
            CREATE TABLE settings (
              key TEXT PRIMARY KEY,
              value TEXT NOT NULL
            );
            """,
            """
            CREATE TABLE downloads (
              id TEXT PRIMARY KEY,
              state TEXT NOT NULL,
              job TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              updated_at INTEGER NOT NULL
            );
            CREATE TABLE model_provenance (
              kind TEXT NOT NULL,
              name TEXT NOT NULL,
              source TEXT NOT NULL,
              revision TEXT,
              url TEXT NOT NULL,
              sha256 TEXT,
              size INTEGER NOT NULL,
              downloaded_at INTEGER NOT NULL,
              PRIMARY KEY (kind, name)
            );
            """,
            """
            CREATE TABLE connections (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('openai','a1111')),
              url TEXT NOT NULL,
              api_key TEXT,
              priority INTEGER NOT NULL DEFAULT 0,
              enabled INTEGER NOT NULL DEFAULT 1,
              prefix TEXT NOT NULL DEFAULT '',
              created_at INTEGER NOT NULL
            );
            """);

    private Migrations() {}

    static int latest() {
        return VERSIONS.size();
    }

    static void apply(Database db) {
        int current = db.query("PRAGMA user_version", rs -> rs.getInt(1)).getFirst();
        if (current > VERSIONS.size()) {
            throw new IllegalStateException("the database was written by a newer MystiCanvas (schema " + current
                    + ", this one knows " + VERSIONS.size() + "); use the newer version or another --data-dir");
        }
        for (int v = current; v < VERSIONS.size(); v++) {
            int version = v + 1;
            String script = VERSIONS.get(v);
            db.transaction(c -> {
                try (Statement s = c.createStatement()) {
                    for (String statement : script.split(";\\s*\\n")) {
                        if (!statement.isBlank()) {
                            s.execute(statement);
                        }
                    }
                    s.execute("PRAGMA user_version = " + version);
                }
                return null;
            });
        }
    }
}
