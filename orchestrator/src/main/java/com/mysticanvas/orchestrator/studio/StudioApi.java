package com.mysticanvas.orchestrator.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.JsonFields;
import com.mysticanvas.orchestrator.storage.ConversationStore;
import com.mysticanvas.orchestrator.storage.GalleryImage;
import com.mysticanvas.orchestrator.storage.GalleryStore;
import com.mysticanvas.orchestrator.storage.SettingsStore;
import io.javalin.config.RoutesConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code /api/conversations/**}, {@code /api/gallery/**}, {@code /api/settings} (the studio's storage, over HTTP),
 * {@code /api/images} and {@code /api/capabilities}.
 * Deletions are announced on {@code /api/events} ({@code conversation-deleted}, {@code gallery-image-deleted}) so
 * that other open pages drop what is gone.
 */
public final class StudioApi {
    private final ConversationStore conversations;
    private final GalleryStore gallery;
    private final SettingsStore settings;
    private final ChatService chat;
    private final ImageService images;
    private final Capabilities capabilities;
    private final BiConsumer<String, Object> publish;

    public StudioApi(ConversationStore conversations, GalleryStore gallery, SettingsStore settings, ChatService chat,
                     ImageService images, Capabilities capabilities, BiConsumer<String, Object> publish) {
        this.conversations = conversations;
        this.gallery = gallery;
        this.settings = settings;
        this.chat = chat;
        this.images = images;
        this.capabilities = capabilities;
        this.publish = publish;
    }

    public void routes(RoutesConfig r) {
        r.get("/api/conversations", ctx -> ctx.json(Map.of("data", conversations.list(ctx.queryParam("q")))));
        r.post("/api/conversations", ctx -> {
            JsonNode body = ctx.body().isBlank() ? Json.object() : Json.parseObject(ctx.body());
            ctx.status(201).json(conversations.create(text(body, "title"), text(body, "systemPrompt"), body.get("settings")));
        });
        r.get("/api/conversations/{id}", ctx -> {
            String id = ctx.pathParam("id");
            ctx.json(Map.of("conversation", conversations.get(id), "messages", conversations.messages(id)));
        });
        r.patch("/api/conversations/{id}", ctx -> {
            JsonNode body = Json.parseObject(ctx.body());
            ctx.json(conversations.update(ctx.pathParam("id"), text(body, "title"), text(body, "systemPrompt"), body.get("settings")));
        });
        r.delete("/api/conversations/{id}", ctx -> {
            String id = ctx.pathParam("id");
            gallery.deleteFiles(conversations.delete(id));
            publish.accept("conversation-deleted", Map.of("id", id));
            ctx.status(204);
        });
        r.post("/api/conversations/{id}/messages", ctx -> {
            JsonNode body = Json.parseObject(ctx.body());
            ctx.status(201).json(conversations.append(ctx.pathParam("id"), required(body, "role"), required(body, "content"),
                    "complete", text(body, "imageId")));
        });
        r.patch("/api/conversations/{id}/messages/{mid}", ctx -> {
            JsonNode body = Json.parseObject(ctx.body());
            ctx.json(conversations.edit(ctx.pathParam("id"), ctx.pathParam("mid"), required(body, "content")));
        });
        r.delete("/api/conversations/{id}/messages/{mid}", ctx ->
                ctx.json(Map.of("deleted", conversations.truncateFrom(ctx.pathParam("id"), ctx.pathParam("mid")))));
        r.post("/api/conversations/{id}/chat", ctx -> chat.chat(ctx, ctx.pathParam("id"),
                ctx.body().isBlank() ? Json.object() : Json.parseObject(ctx.body())));

        r.post("/api/images", ctx -> images.generate(ctx, Json.parseObject(ctx.body())));
        r.post("/api/images/{job}/cancel", ctx -> ctx.json(images.cancel(ctx.pathParam("job"))));

        r.get("/api/gallery", ctx -> ctx.json(Map.of("data", gallery.list(
                ctx.queryParamAsClass("limit", Integer.class).getOrDefault(100),
                ctx.queryParam("before") == null ? null : ctx.queryParamAsClass("before", Long.class).get()))));
        r.get("/api/gallery/{id}", ctx -> ctx.json(gallery.get(ctx.pathParam("id"))));
        r.get("/api/gallery/{id}/image", ctx -> {
            GalleryImage image = gallery.get(ctx.pathParam("id"));
            var file = gallery.file(image);
            if (!Files.isRegularFile(file)) {
                throw Problem.notFound("the file of image " + image.id() + " is missing from the data folder");
            }
            ctx.contentType("image/png").header("Cache-Control", "private, max-age=31536000, immutable");
            try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(ctx.res().getOutputStream());
            }
        });
        r.post("/api/gallery/{id}/upscale", ctx -> ctx.status(201).json(images.upscale(ctx.pathParam("id"),
                Json.parseObject(ctx.body()))));
        r.delete("/api/gallery/{id}", ctx -> {
            String id = ctx.pathParam("id");
            gallery.delete(id);
            publish.accept("gallery-image-deleted", Map.of("id", id));
            ctx.status(204);
        });

        r.get("/api/capabilities", ctx -> ctx.json(capabilities.describe()));
        r.get("/api/settings", ctx -> ctx.json(settings.forClients()));
        r.put("/api/settings", ctx -> ctx.json(settings.mergeFromClient(Json.parseObject(ctx.body()))));
    }

    private static String text(JsonNode body, String field) {
        return JsonFields.text(body, field, null);
    }

    private static String required(JsonNode body, String field) {
        String v = text(body, field);
        if (v == null) {
            throw Problem.badInput(field + " is required");
        }
        return v;
    }
}
