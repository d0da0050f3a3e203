package com.mysticanvas.llm.tools;

import java.util.List;

/** How one family of models writes tool calls in running text, for {@link MarkupSplitter}. */
sealed interface ToolSyntax permits HermesSyntax, LlamaSyntax, MistralSyntax, ToolSyntax.Plain {
    /** Markers that begin tool-call markup anywhere in the reply. */
    List<String> openers();

    /** Whether a reply (or what follows a call) that begins with {@code {} may be a call: Llama 3.x. */
    default boolean bareJson() {
        return false;
    }

    /**
     * Reads the markup at the start of {@code text} (which starts with an opener, or with {@code {} when
     * {@link #bareJson()}).
     *
     * @param atEnd no more text will come: decide now
     */
    Scan scan(String text, boolean atEnd);

    sealed interface Scan {}

    /** Not enough text yet to decide. */
    record Incomplete() implements Scan {}

    /** Calls parsed from the first {@code consumed} characters. */
    record Calls(List<ReplyDelta.ToolCall> calls, int consumed) implements Scan {}

    /** The first {@code consumed} characters (at least one) are ordinary content after all. */
    record NotACall(int consumed) implements Scan {}

    Scan INCOMPLETE = new Incomplete();

    /** No tool-call syntax: everything is content. */
    record Plain() implements ToolSyntax {
        @Override
        public List<String> openers() {
            return List.of();
        }

        @Override
        public Scan scan(String text, boolean atEnd) {
            return new NotACall(Math.max(1, text.length()));
        }
    }

    static ToolSyntax of(ToolCallFormat format) {
        return switch (format) {
            case HERMES -> new HermesSyntax();
            case LLAMA3_JSON -> new LlamaSyntax();
            case MISTRAL -> new MistralSyntax();
            case GPT_OSS, NONE -> new Plain();
        };
    }

    static int skipSpace(String s, int from) {
        int i = from;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** A call from a parsed {@code {"name": .., "arguments"|"parameters": ..}} object; null when it is not one. */
    static ReplyDelta.ToolCall fromJson(com.fasterxml.jackson.databind.JsonNode object, String id) {
        if (object == null || !object.isObject() || !object.path("name").isTextual()) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode args = object.has("arguments") ? object.get("arguments")
                : object.get("parameters");
        String arguments = JsonText.arguments(args);
        if (arguments == null) {
            return null;
        }
        String callId = id != null ? id : object.path("id").isTextual() && !object.get("id").asText().isBlank()
                ? object.get("id").asText() : ToolCallIds.next();
        return new ReplyDelta.ToolCall(callId, object.get("name").asText(), arguments);
    }
}
