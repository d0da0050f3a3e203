package com.mysticanvas.orchestrator.storage;

import com.fasterxml.jackson.databind.JsonNode;

/** A generated image: its PNG under {@code data/images/} ({@code file} is relative to it) and every parameter. */
public record GalleryImage(String id, String file, String conversationId, int width, int height, long seed,
                           String prompt, String negativePrompt, String model, JsonNode params, long createdAt) {}
