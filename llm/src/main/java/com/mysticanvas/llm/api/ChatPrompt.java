package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.engine.LoadedModel;
import com.mysticanvas.llm.engine.LoadedModel.Segment;
import com.mysticanvas.llm.engine.ModelInfo;
import com.mysticanvas.llm.engine.PromptSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A chat request's messages turned into prompt tokens: validated, rendered with the GGUF's chat template (in
 * Java, with llama.cpp's adaptations of OpenAI requests; or by llama.cpp's built-in matcher when a template cannot
 * be compiled), then tokenized so that only the template's own markup can become control tokens:
 * {@code <|im_end|>} typed by a user stays text.
 */
final class ChatPrompt implements PromptSource {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private final ModelInfo model;
    private final List<LoadedModel.Message> plainMessages;
    private final List<String> userTexts;
    private final String rendered;

    private ChatPrompt(ModelInfo model, List<LoadedModel.Message> plainMessages, List<String> userTexts, String rendered) {
        this.model = model;
        this.plainMessages = plainMessages;
        this.userTexts = userTexts;
        this.rendered = rendered;
    }

    /** Validates {@code messages} (and {@code tools}) and renders them for {@code model}. */
    static ChatPrompt of(JsonNode body, ModelInfo model, boolean toolsOffered) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            throw Problem.badInput("'messages' is required: an array of {role, content} objects");
        }
        if (messages.isEmpty()) {
            throw Problem.badInput("'messages' is empty; send at least one message");
        }
        List<LoadedModel.Message> plain = new ArrayList<>();
        List<String> userTexts = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) {
                throw Problem.badInput("messages[" + i + "] must be an object");
            }
            String role = Fields.text(m, "role", null);
            if (role == null || !ROLES.contains(role)) {
                throw Problem.badInput("messages[" + i + "].role must be one of system, developer, user, "
                        + "assistant, tool; got " + (role == null ? "nothing" : "'" + role + "'"));
            }
            String content = content(m.get("content"), i, role, m.hasNonNull("tool_calls"));
            String templateRole = role.equals("developer") ? "system" : role;
            plain.add(new LoadedModel.Message(templateRole, content));
            userTexts.add(content);
            for (JsonNode call : m.path("tool_calls")) {
                userTexts.add(call.path("function").path("arguments").asText(""));
            }
        }
        if (body.has("chat_template_kwargs") && !body.get("chat_template_kwargs").isNull()
                && !body.get("chat_template_kwargs").isObject()) {
            throw Problem.badInput("'chat_template_kwargs' must be an object");
        }
        if (!toolsOffered && body.has("tools")) {
            body = ((ObjectNode) body).deepCopy().without("tools");
        }
        String rendered = TextFeatures.renderChat(model.chatTemplate(), body, model.bosToken(), model.eosToken());
        return new ChatPrompt(model, List.copyOf(plain), List.copyOf(userTexts), rendered);
    }

    private static String content(JsonNode content, int i, String role, boolean hasToolCalls) {
        if (content == null || content.isNull()) {
            if (role.equals("assistant") && hasToolCalls) {
                return "";
            }
            throw Problem.badInput("messages[" + i + "].content is required");
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw Problem.badInput("messages[" + i + "].content must be a string or an array of content parts");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode part : content) {
            String type = part.isObject() ? Fields.text(part, "type", null) : null;
            if (!"text".equals(type)) {
                throw Problem.badInput("messages[" + i + "].content: only text parts are supported, got "
                        + (type == null ? part.toString() : "'" + type + "'"));
            }
            texts.add(Fields.requiredText(part, "text"));
        }
        return String.join("\n", texts);
    }

    /** The prompt as the Java template rendered it, or null when llama.cpp's built-in template renders it. */
    String rendered() {
        return rendered;
    }

    @Override
    public int[] tokens(LoadedModel m) {
        if (!m.info().equals(model)) {
            throw Problem.unavailable("model_changed", "the model changed while this request was prepared; try again");
        }
        String text = rendered != null ? rendered : m.applyBuiltinTemplate(plainMessages, true);
        if (text == null) {
            throw Problem.badInput("model '" + model.file() + "' has a chat template that llama.cpp's built-in "
                    + "formats do not recognise; use /v1/completions with your own prompt format");
        }
        boolean risky = userTexts.stream().anyMatch(m::containsSpecialText);
        List<Segment> segments = risky
                ? PromptSegments.split(text, userTexts, m::containsSpecialText)
                : List.of(new Segment(text, true)); // nothing to protect: exact tokenization of the whole prompt
        return m.tokenizePrompt(segments);
    }
}
