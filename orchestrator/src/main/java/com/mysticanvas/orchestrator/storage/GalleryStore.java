package com.mysticanvas.orchestrator.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Generated images: PNG files under {@code data/images/<date>/<id>.png} plus a row with all parameters.
 * A file is written completely (temp file, then rename) before its row exists, so a row never points
 * at half a file; a failed insert removes the file again.
 */
public final class GalleryStore {
    private final Database db;
    private final Path imagesDir;

    public GalleryStore(Database db, Path imagesDir) {
        this.db = db;
        this.imagesDir = imagesDir;
    }

    /** What the caller knows about a new image. */
    public record NewImage(String conversationId, int width, int height, long seed, String prompt,
                           String negativePrompt, String model, JsonNode params) {}

    public GalleryImage add(byte[] png, NewImage meta) {
        String id = UUID.randomUUID().toString();
        String file = LocalDate.now() + "/" + id + ".png";
        Path target = imagesDir.resolve(file);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".incoming-", ".png");
            Files.write(tmp, png);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } catch (IOException e) {
            throw new Problem(Problem.Kind.STORAGE_FAILED, "storage_error",
                    "could not save the image under " + imagesDir + ": " + e.getMessage());
        }
        try {
            db.update("INSERT INTO images (id, file, conversation_id, width, height, seed, prompt, negative_prompt, model, params, created_at) "
                            + "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    id, file, meta.conversationId(), meta.width(), meta.height(), meta.seed(), meta.prompt(),
                    meta.negativePrompt() == null ? "" : meta.negativePrompt(), meta.model(),
                    Json.write(meta.params() == null ? Json.object() : meta.params()), System.currentTimeMillis());
        } catch (RuntimeException e) {
            deleteFile(file);
            throw e;
        }
        return get(id);
    }

    /** Newest first; {@code before} (a created_at) pages backwards. */
    public List<GalleryImage> list(int limit, Long before) {
        int n = Math.clamp(limit, 1, 500);
        return before == null
                ? db.query("SELECT * FROM images ORDER BY created_at DESC, id LIMIT ?", GalleryStore::image, n)
                : db.query("SELECT * FROM images WHERE created_at < ? ORDER BY created_at DESC, id LIMIT ?", GalleryStore::image, before, n);
    }

    public Optional<GalleryImage> find(String id) {
        return db.query("SELECT * FROM images WHERE id = ?", GalleryStore::image, id).stream().findFirst();
    }

    public GalleryImage get(String id) {
        return find(id).orElseThrow(() -> Problem.notFound("no image " + id + " in the gallery"));
    }

    /** The PNG file of an image; ids are looked up, never used as paths. */
    public Path file(GalleryImage image) {
        return imagesDir.resolve(image.file());
    }

    public void delete(String id) {
        GalleryImage image = get(id);
        db.update("DELETE FROM images WHERE id = ?", id);
        deleteFile(image.file());
    }

    public void deleteFiles(List<String> files) {
        files.forEach(this::deleteFile);
    }

    private void deleteFile(String file) {
        try {
            Files.deleteIfExists(imagesDir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file, e);
        }
    }

    private static GalleryImage image(ResultSet rs) throws SQLException {
        return new GalleryImage(rs.getString("id"), rs.getString("file"), rs.getString("conversation_id"),
                rs.getInt("width"), rs.getInt("height"), rs.getLong("seed"), rs.getString("prompt"),
                rs.getString("negative_prompt"), rs.getString("model"), Json.parse(rs.getString("params")),
                rs.getLong("created_at"));
    }
}
