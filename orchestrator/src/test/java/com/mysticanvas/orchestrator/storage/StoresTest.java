package com.mysticanvas.orchestrator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores on real SQLite files. */
class StoresTest {
    @TempDir
    Path dir;

    @Test
    void schemaIsMigratedOnceAndSurvivesReopening() throws Exception {
        Path file = dir.resolve("db.sqlite");
        try (Database db = Database.open(file)) {
            assertThat(db.query("PRAGMA user_version", rs -> rs.getInt(1))).containsExactly(Migrations.latest());
            new ConversationStore(db).create("kept", "", null);
        }
        try (Database db = Database.open(file)) {
            assertThat(new ConversationStore(db).list(null)).extracting(Conversation::title).containsExactly("kept");
        }
    }

    @Test
    void refusesADatabaseFromANewerVersion() throws Exception {
        Path file = dir.resolve("db.sqlite");
        try (Database db = Database.open(file)) {
            db.transaction(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA user_version = 99");
                }
                return null;
            });
        }
        assertThatThrownBy(() -> Database.open(file)).hasMessageContaining("newer MystiCanvas");
    }

    @Test
    void conversationsMessagesSearchAndTruncation() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            ConversationStore store = new ConversationStore(db);
            Conversation a = store.create("Cats", "be brief", Json.parseObject("{\"temperature\":0.2}"));
            Conversation b = store.create(null, null, null);
            assertThat(b.title()).isEqualTo("New chat");
            Message q = store.append(a.id(), "user", "tell me about whiskers", Message.COMPLETE);
            Message r = store.append(a.id(), "assistant", "", Message.STREAMING);
            store.saveGeneration(r.id(), "They sense", "", Message.STREAMING, null, null, null, null);
            store.append(b.id(), "user", "100% sure_", Message.COMPLETE);

            assertThat(store.list("whisk")).extracting(Conversation::id).containsExactly(a.id());
            assertThat(store.list("100%")).extracting(Conversation::id).containsExactly(b.id());
            assertThat(store.list("0%")).extracting(Conversation::id).containsExactly(b.id());
            assertThat(store.list("%")).extracting(Conversation::id).containsExactly(b.id()); // % is literal
            assertThat(store.get(a.id()).messageCount()).isEqualTo(2);
            assertThat(store.get(a.id()).settings().path("temperature").asDouble()).isEqualTo(0.2);

            // A restart while streaming keeps the text, marked incomplete.
            assertThat(store.markInterrupted()).isEqualTo(1);
            Message kept = store.message(a.id(), r.id());
            assertThat(kept.content()).isEqualTo("They sense");
            assertThat(kept.status()).isEqualTo(Message.INCOMPLETE);
            assertThat(kept.seq()).isEqualTo(q.seq() + 1);

            assertThat(store.truncateFrom(a.id(), q.id())).isEqualTo(2);
            assertThat(store.messages(a.id())).isEmpty();
        }
    }

    @Test
    void badInputIsA4xx() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            ConversationStore store = new ConversationStore(db);
            Conversation c = store.create("t", "", null);
            assertThatThrownBy(() -> store.append(c.id(), "wizard", "x", Message.COMPLETE))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
            assertThatThrownBy(() -> store.create("x".repeat(201), "", null))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
            assertThatThrownBy(() -> store.get("nope"))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.NOT_FOUND));
            assertThatThrownBy(() -> store.update(c.id(), null, null, Json.parse("[1]")))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
        }
    }

    @Test
    void galleryWritesFileThenRowAndDeletesBoth() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            ConversationStore conversations = new ConversationStore(db);
            GalleryStore gallery = new GalleryStore(db, dir.resolve("images"));
            Conversation chat = conversations.create("imagine", "", null);
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
            GalleryImage loose = gallery.add(png, new GalleryStore.NewImage(null, 64, 48, 7, "a cat", "", "tiny.safetensors",
                    Json.parseObject("{\"steps\":4}")));
            GalleryImage inChat = gallery.add(png, new GalleryStore.NewImage(chat.id(), 64, 64, 8, "a dog", "", null, null));
            assertThat(Files.readAllBytes(gallery.file(loose))).isEqualTo(png);
            assertThat(gallery.get(loose.id()).params().path("steps").asInt()).isEqualTo(4);
            assertThat(gallery.list(10, null)).hasSize(2);
            try (var files = Files.list(gallery.file(loose).getParent())) {
                assertThat(files.filter(f -> f.getFileName().toString().startsWith(".incoming"))).isEmpty();
            }

            gallery.delete(loose.id());
            assertThat(gallery.file(loose)).doesNotExist();
            assertThat(gallery.find(loose.id())).isEmpty();

            // Deleting a conversation deletes the images made in it, files and rows.
            gallery.deleteFiles(conversations.delete(chat.id()));
            assertThat(gallery.file(inChat)).doesNotExist();
            assertThat(gallery.list(10, null)).isEmpty();
        }
    }

    @Test
    void aMessageCanShowAGalleryImage() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            ConversationStore conversations = new ConversationStore(db);
            GalleryStore gallery = new GalleryStore(db, dir.resolve("images"));
            Conversation chat = conversations.create("imagine", "", null);
            GalleryImage image = gallery.add(new byte[] {1}, new GalleryStore.NewImage(chat.id(), 64, 64, 1, "a fox", "", null, null));

            Message shown = conversations.append(chat.id(), "assistant", "Imagined an image", Message.COMPLETE, image.id());
            assertThat(conversations.message(chat.id(), shown.id()).imageId()).isEqualTo(image.id());
            assertThatThrownBy(() -> conversations.append(chat.id(), "assistant", "x", Message.COMPLETE, "no-such-image"))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.NOT_FOUND));
            assertThat(conversations.messages(chat.id())).hasSize(1);

            gallery.delete(image.id()); // the message stays, without its picture
            assertThat(conversations.message(chat.id(), shown.id()).imageId()).isNull();
        }
    }

    @Test
    void settingsMergeAndRemove() throws Exception {
        try (Database db = Database.open(dir.resolve("db.sqlite"))) {
            SettingsStore settings = new SettingsStore(db);
            settings.merge(Json.parseObject("{\"theme\":\"dark\",\"chat.defaults\":{\"temperature\":0.7}}"));
            assertThat(settings.merge(Json.parseObject("{\"theme\":null,\"llmThreads\":1}")).toString())
                    .isEqualTo("{\"chat.defaults\":{\"temperature\":0.7},\"llmThreads\":1}");
            assertThatThrownBy(() -> settings.merge(Json.parseObject("{\"../x\":1}")))
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
        }
    }
}
