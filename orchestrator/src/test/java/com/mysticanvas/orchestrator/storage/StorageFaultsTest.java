package com.mysticanvas.orchestrator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import java.nio.file.Path;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk and a read-only database, made real by SQLite itself: clear 507 errors, nothing half-written. */
class StorageFaultsTest {
    @TempDir
    Path dir;

    @Test
    void aFullDatabaseRefusesTheWriteWithAClearMessageAndKeepsEverythingBefore() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            ConversationStore store = new ConversationStore(db);
            Conversation c = store.create("kept", "", null);
            Message first = store.append(c.id(), "user", "before the disk filled up", Message.COMPLETE);
            int pages = db.query("PRAGMA page_count", rs -> rs.getInt(1)).getFirst();
            db.transaction(conn -> {
                try (Statement s = conn.createStatement()) {
                    s.execute("PRAGMA max_page_count = " + (pages + 1)); // what SQLite does when the disk is full
                }
                return null;
            });
            String big = "x".repeat(200_000);
            assertThatThrownBy(() -> {
                for (int i = 0; i < 20; i++) {
                    store.append(c.id(), "assistant", big, Message.COMPLETE);
                }
            }).isInstanceOfSatisfying(Problem.class, e -> {
                assertThat(e.kind()).isEqualTo(Problem.Kind.STORAGE_FAILED);
                assertThat(e.getMessage()).contains("disk is full").contains("nothing was saved");
            });
            assertThat(store.messages(c.id())).extracting(Message::id).startsWith(first.id());
            assertThat(store.messages(c.id())).allSatisfy(m -> assertThat(m.content()).isIn("before the disk filled up", big));
            assertThat(db.query("PRAGMA integrity_check", rs -> rs.getString(1))).containsExactly("ok");
        }
    }

    @Test
    void aReadOnlyDatabaseIsAClearError() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            ConversationStore store = new ConversationStore(db);
            store.create("kept", "", null);
            db.transaction(conn -> {
                try (Statement s = conn.createStatement()) {
                    s.execute("PRAGMA query_only = ON"); // every write now fails as on a read-only file
                }
                return null;
            });
            assertThatThrownBy(() -> store.create("new", "", null)).isInstanceOfSatisfying(Problem.class, e -> {
                assertThat(e.kind()).isEqualTo(Problem.Kind.STORAGE_FAILED);
                assertThat(e.getMessage()).contains("read-only");
            });
            assertThat(store.list(null)).extracting(Conversation::title).containsExactly("kept");
        }
    }
}
