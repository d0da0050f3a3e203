package com.mysticanvas.orchestrator.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.http.SseWriter;
import com.mysticanvas.orchestrator.storage.Conversation;
import com.mysticanvas.orchestrator.storage.ConversationStore;
import com.mysticanvas.orchestrator.storage.Message;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One chat turn, run by the orchestrator so nothing is lost: the user's message is stored, the LLM
 * worker's reply is streamed to the browser and saved as it grows (a crash keeps what was generated),
 * and a browser that goes away (stop, closed tab) stops the generation and keeps the text, marked incomplete.
 */
public final class ChatService {
    /** Conversation settings passed to the model; anything else in settings is the UI's own. */
    private static final Set<String> SAMPLING_KEYS = Set.of("temperature", "top_p", "top_k", "min_p", "max_tokens",
            "seed", "presence_penalty", "frequency_penalty", "repeat_penalty", "stop", "logit_bias", "model");
    private static final long SAVE_EVERY_MS = 250;
    /** Tokens kept free for the answer when the conversation sets no {@code max_tokens}. */
    static final int REPLY_ROOM = 512;

    private final ConversationStore store;
    private final Upstream llm;
    /** How many of its oldest messages each conversation's last reply left out (the next starts from there). */
    private final Map<String, Integer> leftOutBefore = new ConcurrentHashMap<>();

    /** Where a reply is asked for: the LLM worker, or the external backend that serves the conversation's model. */
    @FunctionalInterface
    public interface Upstream {
        /** The reply's event stream (OpenAI's chunks) for a chat request. */
        SseReader chat(ObjectNode request);
    }

    public ChatService(ConversationStore store, Upstream llm) {
        this.store = store;
        this.llm = llm;
    }

    public void chat(Context ctx, String conversationId, JsonNode body) throws IOException {
        Conversation conversation = store.get(conversationId);
        JsonNode content = body.get("content");
        if (content != null && !content.isNull()) {
            if (!content.isTextual() || content.asText().isBlank()) {
                throw Problem.badInput("content must be non-empty text");
            }
        }
        ObjectNode request = request(conversation, body.path("settings"), content == null ? null : content.asText());
        int[] leftOut = {0};
        SseReader upstream = openFitting(conversationId, request, leftOut);
        Message user = content == null || content.isNull() ? null
                : store.append(conversationId, "user", content.asText(), Message.COMPLETE);
        Message assistant = store.append(conversationId, "assistant", "", Message.STREAMING);

        SseWriter client = SseWriter.open(ctx);
        Generation g = new Generation(assistant.id());
        boolean clientGone = !client.trySend("start", Map.of("user", user == null ? Map.of() : user, "assistant", assistant,
                "leftOut", leftOut[0]));
        try (SseReader in = upstream) {
            for (SseReader.Event e = in.next(); !clientGone && e != null; e = in.next()) {
                if (e.isComment()) {
                    clientGone = !client.tryKeepAlive(); // the worker's keep-alive, passed on: finds a closed tab early
                    continue;
                }
                if (e.data().equals("[DONE]")) {
                    g.done = true;
                    break;
                }
                JsonNode chunk = Json.parse(e.data());
                if (chunk.has("error")) {
                    g.error = HttpProblems.fromFrame("llm-worker", e.data());
                    break;
                }
                ObjectNode delta = g.absorb(chunk);
                if (delta != null) {
                    clientGone = !client.trySend("delta", delta);
                }
                g.saveIfDue(false);
            }
        } catch (IOException e) {
            g.error = new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed",
                    "the language model worker failed mid-reply: " + e.getMessage(), e);
        } catch (Problem e) {
            g.error = new Problem(Problem.Kind.UPSTREAM_FAILED, "worker_failed",
                    "the language model sent something unreadable: " + e.getMessage(), e);
        } finally {
            if (clientGone && g.error == null) {
                g.error = new Problem(Problem.Kind.CANCELLED, "cancelled", "stopped");
            }
            g.saveIfDue(true);
        }
        if (!clientGone) {
            Message saved = store.message(conversationId, assistant.id());
            if (g.error == null) {
                client.trySend("done", Map.of("message", saved));
            } else {
                client.tryError(g.error, Json.object().set("message", Json.MAPPER.valueToTree(saved))); // saved either way
            }
        }
    }

    /**
     * Starts the reply, the conversation fitted to the model's context with room for the answer (the request's
     * {@code max_tokens}, else {@link #REPLY_ROOM} tokens; the worker refuses less with {@code context_length_exceeded}).
     * The oldest turns go in blocks of a quarter of the conversation, starting from as many as the conversation's last
     * reply left out, so that what is kept begins the same way turn after turn (the worker's prompt cache reuses it)
     * instead of moving by a message each turn; the system prompt and the newest message stay, and what is left never
     * begins with an assistant message (Gemma's and Mistral's templates refuse that).
     */
    private SseReader openFitting(String conversationId, ObjectNode request, int[] leftOut) {
        ArrayNode messages = (ArrayNode) request.get("messages");
        int first = messages.get(0).path("role").asText().equals("system") ? 1 : 0;
        request.put("min_reply_tokens", request.path("max_tokens").asInt(REPLY_ROOM));
        int dropped = dropOldest(messages, first, leftOutBefore.getOrDefault(conversationId, 0));
        while (true) {
            try {
                SseReader reply = llm.chat(request);
                leftOutBefore.put(conversationId, dropped);
                leftOut[0] = dropped;
                return reply;
            } catch (Problem e) {
                if (!"context_length_exceeded".equals(e.code()) || messages.size() - first <= 1) {
                    throw e;
                }
                dropped += dropOldest(messages, first, Math.max(2, (messages.size() - first) / 8 * 2));
            }
        }
    }

    /**
     * Removes up to {@code n} of the oldest messages after the system prompt, never the newest, then any that would
     * leave a non-user message first; returns how many went.
     */
    static int dropOldest(ArrayNode messages, int first, int n) {
        int removed = 0;
        while (removed < n && messages.size() - first > 1) {
            messages.remove(first);
            removed++;
        }
        while (messages.size() - first > 1 && !messages.get(first).path("role").asText().equals("user")) {
            messages.remove(first);
            removed++;
        }
        return removed;
    }

    /** The OpenAI request for the conversation so far, plus the new user text if any. */
    private ObjectNode request(Conversation conversation, JsonNode overrides, String newUserText) {
        ObjectNode req = Json.object();
        req.putObject("stream_options").put("include_usage", true);
        for (JsonNode settings : List.of(conversation.settings(), overrides)) {
            settings.properties().forEach(e -> {
                if (SAMPLING_KEYS.contains(e.getKey()) && !e.getValue().isNull()) {
                    req.set(e.getKey(), e.getValue());
                }
            });
        }
        ArrayNode messages = req.putArray("messages");
        if (!conversation.systemPrompt().isBlank()) {
            messages.addObject().put("role", "system").put("content", conversation.systemPrompt());
        }
        for (Message m : store.messages(conversation.id())) {
            boolean usable = !m.status().equals(Message.ERROR) && !m.status().equals(Message.STREAMING)
                    && !(m.role().equals("assistant") && m.content().isEmpty());
            if (usable) {
                messages.addObject().put("role", m.role()).put("content", m.content());
            }
        }
        if (newUserText != null) {
            messages.addObject().put("role", "user").put("content", newUserText);
        }
        if (messages.isEmpty() || !messages.get(messages.size() - 1).path("role").asText().equals("user")) {
            throw Problem.badInput("nothing to reply to: the conversation does not end with a user message; send content");
        }
        return req;
    }

    /** The reply as it grows, and when it was last saved. */
    private final class Generation {
        final String messageId;
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        long firstTokenNanos;
        long lastSaveMs = System.currentTimeMillis();
        int pieces;
        Integer promptTokens;
        Integer completionTokens;
        boolean done;
        Problem error;

        Generation(String messageId) {
            this.messageId = messageId;
        }

        /** Takes one chat.completion.chunk; returns the delta to show, or null. */
        ObjectNode absorb(JsonNode chunk) {
            if (chunk.path("usage").isObject()) {
                promptTokens = chunk.path("usage").path("prompt_tokens").asInt();
                completionTokens = chunk.path("usage").path("completion_tokens").asInt();
            }
            JsonNode delta = chunk.path("choices").path(0).path("delta");
            String text = delta.path("content").isTextual() ? delta.get("content").asText() : "";
            String thought = delta.path("reasoning_content").isTextual() ? delta.get("reasoning_content").asText() : "";
            if (text.isEmpty() && thought.isEmpty()) {
                return null;
            }
            if (firstTokenNanos == 0) {
                firstTokenNanos = System.nanoTime();
            }
            pieces++;
            content.append(text);
            reasoning.append(thought);
            return Json.object().put("content", text).put("reasoning", thought);
        }

        void saveIfDue(boolean last) {
            long now = System.currentTimeMillis();
            if (!last && now - lastSaveMs < SAVE_EVERY_MS) {
                return;
            }
            lastSaveMs = now;
            String status = !last ? Message.STREAMING
                    : error == null && done ? Message.COMPLETE
                    : Message.INCOMPLETE;
            String why = last && error == null && !done ? "the reply ended early" : error == null ? null : error.getMessage();
            int tokens = completionTokens != null ? completionTokens : pieces;
            double seconds = firstTokenNanos == 0 ? 0 : (System.nanoTime() - firstTokenNanos) / 1e9;
            Double rate = last && tokens > 1 && seconds > 0 ? (tokens - 1) / seconds : null;
            store.saveGeneration(messageId, content.toString(), reasoning.toString(), status, last ? why : null,
                    promptTokens, completionTokens, rate);
        }
    }
}
