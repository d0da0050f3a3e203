package com.mysticanvas.orchestrator.storage;

import com.fasterxml.jackson.databind.JsonNode;

/** A chat: its title, system prompt and sampling settings (temperature, top_p, max_tokens, seed ...). */
public record Conversation(String id, String title, String systemPrompt, JsonNode settings,
                           long createdAt, long updatedAt, int messageCount) {}
