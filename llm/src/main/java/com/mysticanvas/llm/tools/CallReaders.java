package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.mysticanvas.core.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ways families write the calls inside a block of tool-call markup ({@link BlockSyntax}): JSON objects, a
 * name then JSON arguments, XML-like parameter tags, Python calls, Gemma's own notation. Each reader gets the
 * whole block, markers included, and answers null when it holds no well-formed call.
 */
final class CallReaders {
    private CallReaders() {}

    /** Reads the calls of one block of markup. */
    @FunctionalInterface
    interface CallReader {
        List<ReplyDelta.ToolCall> read(String block);
    }

    /**
     * JSON from the first {@code {} or {@code [}: objects (one, an array, or several in a row) each
     * {@code {"name"|"tool_name": N, "arguments"|"parameters": {..}}}; with {@code nameAsKey} also Apertus's
     * {@code {"NAME": {..}}}.
     */
    static CallReader json(boolean nameAsKey) {
        return block -> {
            List<ReplyDelta.ToolCall> calls = new ArrayList<>();
            int i = firstBracket(block, 0);
            while (i >= 0 && i < block.length() && (block.charAt(i) == '{' || block.charAt(i) == '[')) {
                int end = JsonText.end(block, i);
                if (end == JsonText.INCOMPLETE) {
                    return null;
                }
                JsonNode value = JsonText.parse(block.substring(i, end));
                if (value == null) {
                    return null;
                }
                for (JsonNode item : value.isArray() ? value : List.of(value)) {
                    ReplyDelta.ToolCall call = jsonCall(item, nameAsKey);
                    if (call == null) {
                        return null;
                    }
                    calls.add(call);
                }
                i = end;
                while (i < block.length() && (Character.isWhitespace(block.charAt(i)) || block.charAt(i) == ',')) {
                    i++;
                }
            }
            return calls.isEmpty() ? null : calls;
        };
    }

    private static ReplyDelta.ToolCall jsonCall(JsonNode item, boolean nameAsKey) {
        if (item instanceof ObjectNode o && !o.has("name") && o.path("tool_name").isTextual()) {
            ObjectNode renamed = o.deepCopy();
            renamed.set("name", renamed.remove("tool_name"));
            renamed.remove("tool_call_id");
            return ToolSyntax.fromJson(renamed, null);
        }
        if (nameAsKey && item != null && item.isObject() && item.size() == 1 && !item.has("name")) {
            Map.Entry<String, JsonNode> only = item.properties().iterator().next();
            String arguments = JsonText.arguments(only.getValue());
            return arguments == null ? null : new ReplyDelta.ToolCall(ToolCallIds.next(), only.getKey(), arguments);
        }
        return ToolSyntax.fromJson(item, null);
    }

    private static int firstBracket(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == '{' || s.charAt(i) == '[') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Each match of {@code call} is one call: group {@code name}, group {@code args} holding a JSON object
     * (possibly in a {@code ```json} fence), optional group {@code id}.
     */
    static CallReader namedJson(Pattern call) {
        boolean hasId = call.namedGroups().containsKey("id");
        return block -> {
            List<ReplyDelta.ToolCall> calls = new ArrayList<>();
            Matcher m = call.matcher(block);
            while (m.find()) {
                String args = m.group("args");
                int from = args.indexOf('{');
                int to = args.lastIndexOf('}');
                String arguments = from < 0 || to < from ? null : JsonText.arguments(JsonText.parse(args.substring(from, to + 1)));
                if (arguments == null) {
                    return null;
                }
                String id = hasId && m.group("id") != null && !m.group("id").isBlank() ? m.group("id").strip() : ToolCallIds.next();
                calls.add(new ReplyDelta.ToolCall(id, m.group("name").strip(), arguments));
            }
            return calls.isEmpty() ? null : calls;
        };
    }

    /**
     * Each match of {@code call} is one call (groups {@code name} and {@code body}); each match of {@code param}
     * in its body one argument (groups {@code key}, {@code value}, optional {@code attrs} that may say
     * {@code string="true"} or {@code type="..."}), its text typed by {@code schemas}.
     */
    static CallReader xml(Pattern call, Pattern param, ToolSchemas schemas) {
        boolean hasAttrs = param.namedGroups().containsKey("attrs");
        return block -> {
            List<ReplyDelta.ToolCall> calls = new ArrayList<>();
            Matcher m = call.matcher(block);
            while (m.find()) {
                String name = m.group("name").strip();
                if (name.isEmpty()) {
                    return null;
                }
                ObjectNode args = Json.object();
                Matcher p = param.matcher(m.group("body"));
                while (p.find()) {
                    String key = p.group("key").strip();
                    args.set(key, schemas.value(name, key, p.group("value"), hasAttrs ? p.group("attrs") : null));
                }
                calls.add(new ReplyDelta.ToolCall(ToolCallIds.next(), name, Json.write(args)));
            }
            return calls.isEmpty() ? null : calls;
        };
    }

    private static final Pattern PYTHON_CALL = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.\\-]*)\\s*\\(");

    /** Python calls in a list, LFM2's {@code [get_weather(location='Rome'), get_time()]}, literal keyword arguments. */
    static CallReader python() {
        return block -> {
            int open = block.indexOf('[');
            int close = block.lastIndexOf(']');
            if (open < 0 || close < open) {
                return null;
            }
            String list = block.substring(open + 1, close);
            List<ReplyDelta.ToolCall> calls = new ArrayList<>();
            int i = 0;
            while (i < list.length()) {
                Matcher m = PYTHON_CALL.matcher(list).region(i, list.length());
                if (!m.lookingAt()) {
                    return null;
                }
                int end = closingParen(list, m.end());
                ObjectNode args = end < 0 ? null : PythonKeywords.parse(list.substring(m.end(), end));
                if (args == null) {
                    return null;
                }
                calls.add(new ReplyDelta.ToolCall(ToolCallIds.next(), m.group(1), Json.write(args)));
                i = end + 1;
                while (i < list.length() && (Character.isWhitespace(list.charAt(i)) || list.charAt(i) == ',')) {
                    i++;
                }
            }
            return calls.isEmpty() ? null : calls;
        };
    }

    /** Index of the {@code )} closing the call whose arguments start at {@code from}, quotes and brackets skipped. */
    private static int closingParen(String s, int from) {
        int depth = 0;
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' && depth == 0) {
                return i;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
        }
        return -1;
    }

    private static final Pattern GEMMA_CALL = Pattern.compile("<\\|tool_call>\\s*call:([A-Za-z0-9_.\\-]+)\\s*\\{");

    /** Gemma 4's {@code <|tool_call>call:NAME{key:<|"|>text<|"|>,n:1,list:[..]}<tool_call|>}. */
    static CallReader gemma() {
        return block -> {
            List<ReplyDelta.ToolCall> calls = new ArrayList<>();
            Matcher m = GEMMA_CALL.matcher(block);
            while (m.find()) {
                GemmaNotation reader = new GemmaNotation(block, m.end() - 1);
                JsonNode args = reader.value();
                if (args == null || !args.isObject()) {
                    return null;
                }
                calls.add(new ReplyDelta.ToolCall(ToolCallIds.next(), m.group(1), Json.write(args)));
            }
            return calls.isEmpty() ? null : calls;
        };
    }

    /** Gemma 4's argument notation: bare keys, strings between {@code <|"|>} quotes, JSON-like otherwise. */
    private static final class GemmaNotation {
        private static final String QUOTE = "<|\"|>";
        private final String s;
        private int pos;

        GemmaNotation(String s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        /** The value at the position, or null when it is malformed. */
        JsonNode value() {
            skip();
            if (pos >= s.length()) {
                return null;
            }
            if (s.startsWith(QUOTE, pos)) {
                int end = s.indexOf(QUOTE, pos + QUOTE.length());
                if (end < 0) {
                    return null;
                }
                String text = s.substring(pos + QUOTE.length(), end);
                pos = end + QUOTE.length();
                return TextNode.valueOf(text);
            }
            char c = s.charAt(pos);
            if (c == '{') {
                ObjectNode o = Json.object();
                pos++;
                skip();
                while (pos < s.length() && s.charAt(pos) != '}') {
                    int colon = s.indexOf(':', pos);
                    if (colon < 0) {
                        return null;
                    }
                    String key = s.substring(pos, colon).strip();
                    pos = colon + 1;
                    JsonNode v = value();
                    if (v == null || key.isEmpty()) {
                        return null;
                    }
                    o.set(key, v);
                    if (!separator('}')) {
                        return null;
                    }
                }
                pos++;
                return o;
            }
            if (c == '[') {
                var a = Json.MAPPER.createArrayNode();
                pos++;
                skip();
                while (pos < s.length() && s.charAt(pos) != ']') {
                    JsonNode v = value();
                    if (v == null) {
                        return null;
                    }
                    a.add(v);
                    if (!separator(']')) {
                        return null;
                    }
                }
                pos++;
                return a;
            }
            int start = pos;
            while (pos < s.length() && ",}]".indexOf(s.charAt(pos)) < 0) {
                pos++;
            }
            String word = s.substring(start, pos).strip();
            JsonNode parsed = JsonText.parse(word);
            return parsed != null ? parsed : TextNode.valueOf(word);
        }

        /** After a member: a comma (skipped) or the closing bracket (left for the caller). */
        private boolean separator(char close) {
            skip();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                skip();
                return true;
            }
            return pos < s.length() && s.charAt(pos) == close;
        }

        private void skip() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }
    }
}
