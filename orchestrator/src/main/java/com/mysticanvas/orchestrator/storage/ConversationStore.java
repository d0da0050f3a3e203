package com.mysticanvas.orchestrator.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Conversations and their messages. Every change is one transaction. */
public final class ConversationStore {
    public static final int MAX_TITLE = 200;
    public static final int MAX_CONTENT = 1_000_000;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");
    private static final String CONVERSATION_COLUMNS = "c.id, c.title, c.system_prompt, c.settings, c.created_at, c.updated_at, "
            + "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)";

    private final Database db;

    public ConversationStore(Database db) {
        this.db = db;
    }

    /** Conversations, newest activity first; {@code search} matches titles and message text. */
    public List<Conversation> list(String search) {
        if (search == null || search.isBlank()) {
            return db.query("SELECT " + CONVERSATION_COLUMNS + " FROM conversations c ORDER BY c.updated_at DESC",
                    ConversationStore::conversation);
        }
        String like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return db.query("SELECT " + CONVERSATION_COLUMNS + " FROM conversations c WHERE c.title LIKE ? ESCAPE '\\' "
                        + "OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content LIKE ? ESCAPE '\\') "
                        + "ORDER BY c.updated_at DESC", ConversationStore::conversation, like, like);
    }

    public Conversation create(String title, String systemPrompt, JsonNode settings) {
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        db.update("INSERT INTO conversations (id, title, system_prompt, settings, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                id, checkTitle(title == null || title.isBlank() ? "New chat" : title),
                checkContent(systemPrompt == null ? "" : systemPrompt), settingsJson(settings), now, now);
        return get(id);
    }

    public Optional<Conversation> find(String id) {
        return db.query("SELECT " + CONVERSATION_COLUMNS + " FROM conversations c WHERE c.id = ?",
                ConversationStore::conversation, id).stream().findFirst();
    }

    public Conversation get(String id) {
        return find(id).orElseThrow(() -> Problem.notFound("no conversation " + id));
    }

    /** Changes the fields given (null leaves a field as it is). */
    public Conversation update(String id, String title, String systemPrompt, JsonNode settings) {
        get(id);
        db.transaction(c -> {
            if (title != null) {
                Database.update(c, "UPDATE conversations SET title = ? WHERE id = ?", checkTitle(title), id);
            }
            if (systemPrompt != null) {
                Database.update(c, "UPDATE conversations SET system_prompt = ? WHERE id = ?", checkContent(systemPrompt), id);
            }
            if (settings != null) {
                Database.update(c, "UPDATE conversations SET settings = ? WHERE id = ?", settingsJson(settings), id);
            }
            touch(c, id);
            return null;
        });
        return get(id);
    }

    /** Deletes the conversation, its messages and its images' rows; returns the image files to delete. */
    public List<String> delete(String id) {
        get(id);
        return db.transaction(c -> {
            List<String> files = Database.query(c, "SELECT file FROM images WHERE conversation_id = ?", rs -> rs.getString(1), id);
            Database.update(c, "DELETE FROM images WHERE conversation_id = ?", id);
            Database.update(c, "DELETE FROM conversations WHERE id = ?", id);
            return files;
        });
    }

    public List<Message> messages(String conversationId) {
        return db.query("SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq", ConversationStore::message, conversationId);
    }

    public Message message(String conversationId, String messageId) {
        return db.query("SELECT * FROM messages WHERE id = ? AND conversation_id = ?", ConversationStore::message,
                messageId, conversationId).stream().findFirst()
                .orElseThrow(() -> Problem.notFound("no message " + messageId + " in conversation " + conversationId));
    }

    public Message append(String conversationId, String role, String content, String status) {
        return append(conversationId, role, content, status, null);
    }

    /** Appends a message; {@code imageId} (or null) shows a gallery image with it, as imagine's result does. */
    public Message append(String conversationId, String role, String content, String status, String imageId) {
        get(conversationId);
        if (!ROLES.contains(role)) {
            throw Problem.badInput("role must be one of " + ROLES + ", not '" + role + "'");
        }
        String id = UUID.randomUUID().toString();
        db.transaction(c -> {
            if (imageId != null && Database.query(c, "SELECT 1 FROM images WHERE id = ?", rs -> 1, imageId).isEmpty()) {
                throw Problem.notFound("no image " + imageId + " in the gallery");
            }
            int seq = Database.query(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?",
                    rs -> rs.getInt(1), conversationId).getFirst();
            Database.update(c, "INSERT INTO messages (id, conversation_id, seq, role, content, status, image_id, created_at) "
                            + "VALUES (?,?,?,?,?,?,?,?)",
                    id, conversationId, seq, role, checkContent(content), status, imageId, System.currentTimeMillis());
            touch(c, conversationId);
            return null;
        });
        return message(conversationId, id);
    }

    /** Saves generated text so far (also called while streaming, so a crash keeps what was generated). */
    public void saveGeneration(String messageId, String content, String reasoning, String status, String error,
                               Integer promptTokens, Integer completionTokens, Double tokensPerSecond) {
        db.update("UPDATE messages SET content = ?, reasoning = ?, status = ?, error = ?, prompt_tokens = ?, "
                        + "completion_tokens = ?, tokens_per_second = ? WHERE id = ?",
                content, reasoning, status, error, promptTokens, completionTokens, tokensPerSecond, messageId);
    }

    public Message edit(String conversationId, String messageId, String content) {
        message(conversationId, messageId);
        db.transaction(c -> {
            Database.update(c, "UPDATE messages SET content = ?, status = 'complete', error = NULL WHERE id = ?",
                    checkContent(content), messageId);
            touch(c, conversationId);
            return null;
        });
        return message(conversationId, messageId);
    }

    public void attachImage(String messageId, String imageId) {
        db.update("UPDATE messages SET image_id = ? WHERE id = ?", imageId, messageId);
    }

    /** Deletes a message and every later one (regenerate, edit and resend). */
    public int truncateFrom(String conversationId, String messageId) {
        Message from = message(conversationId, messageId);
        return db.transaction(c -> {
            int n = Database.update(c, "DELETE FROM messages WHERE conversation_id = ? AND seq >= ?", conversationId, from.seq());
            touch(c, conversationId);
            return n;
        });
    }

    /** At start: messages left "streaming" by a crash or kill keep their text, marked incomplete. */
    public int markInterrupted() {
        return db.update("UPDATE messages SET status = 'incomplete', error = 'interrupted: the server stopped while generating' "
                + "WHERE status = 'streaming'");
    }

    private static void touch(Connection c, String id) throws SQLException {
        Database.update(c, "UPDATE conversations SET updated_at = ? WHERE id = ?", System.currentTimeMillis(), id);
    }

    private static String checkTitle(String title) {
        if (title.length() > MAX_TITLE) {
            throw Problem.badInput("title is " + title.length() + " characters; at most " + MAX_TITLE);
        }
        return title.strip();
    }

    private static String checkContent(String content) {
        if (content.length() > MAX_CONTENT) {
            throw Problem.tooLarge("text is " + content.length() + " characters; at most " + MAX_CONTENT);
        }
        return content;
    }

    private static String settingsJson(JsonNode settings) {
        if (settings == null || settings.isNull()) {
            return "{}";
        }
        if (!settings.isObject()) {
            throw Problem.badInput("settings must be a JSON object");
        }
        return Json.write(settings);
    }

    private static Conversation conversation(ResultSet rs) throws SQLException {
        return new Conversation(rs.getString(1), rs.getString(2), rs.getString(3), Json.parse(rs.getString(4)),
                rs.getLong(5), rs.getLong(6), rs.getInt(7));
    }

    private static Message message(ResultSet rs) throws SQLException {
        return new Message(rs.getString("id"), rs.getString("conversation_id"), rs.getInt("seq"), rs.getString("role"),
                rs.getString("content"), rs.getString("reasoning"), rs.getString("status"), rs.getString("error"),
                rs.getString("image_id"), intOrNull(rs, "prompt_tokens"), intOrNull(rs, "completion_tokens"),
                rs.getObject("tokens_per_second") instanceof Number n ? n.doubleValue() : null, rs.getLong("created_at"));
    }

    private static Integer intOrNull(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column) instanceof Number n ? n.intValue() : null;
    }
}
