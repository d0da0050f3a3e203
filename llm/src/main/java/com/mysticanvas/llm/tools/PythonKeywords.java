package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;

/** Python keyword arguments with literal values ({@code a="x", n=3, ok=True, none=None}) as a JSON object. */
final class PythonKeywords {
    private final String s;
    private int pos;

    private PythonKeywords(String s) {
        this.s = s;
    }

    /** The arguments, or null when they are not simple keyword literals. */
    static ObjectNode parse(String text) {
        try {
            return new PythonKeywords(text).run();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private ObjectNode run() {
        ObjectNode out = Json.object();
        skip();
        while (pos < s.length()) {
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos++;
            }
            String key = s.substring(start, pos);
            skip();
            if (key.isEmpty() || pos >= s.length() || s.charAt(pos) != '=') {
                throw new IllegalArgumentException("keyword expected");
            }
            pos++;
            skip();
            value(out, key);
            skip();
            if (pos < s.length()) {
                if (s.charAt(pos) != ',') {
                    throw new IllegalArgumentException("',' expected");
                }
                pos++;
                skip();
            }
        }
        return out;
    }

    private void value(ObjectNode out, String key) {
        if (pos >= s.length()) {
            throw new IllegalArgumentException("value expected");
        }
        char c = s.charAt(pos);
        if (c == '"' || c == '\'') {
            StringBuilder b = new StringBuilder();
            pos++;
            while (pos < s.length() && s.charAt(pos) != c) {
                char ch = s.charAt(pos++);
                if (ch == '\\' && pos < s.length()) {
                    char e = s.charAt(pos++);
                    b.append(switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> e;
                    });
                } else {
                    b.append(ch);
                }
            }
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unterminated string");
            }
            pos++;
            out.put(key, b.toString());
            return;
        }
        int start = pos;
        while (pos < s.length() && s.charAt(pos) != ',' && !Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
        String word = s.substring(start, pos);
        switch (word) {
            case "True", "true" -> out.put(key, true); // JSON's spellings too: grammars write JSON values
            case "False", "false" -> out.put(key, false);
            case "None", "null" -> out.putNull(key);
            default -> {
                try {
                    if (word.matches("-?\\d+")) {
                        out.put(key, Long.parseLong(word));
                    } else {
                        out.put(key, Double.parseDouble(word));
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("literal expected");
                }
            }
        }
    }

    private void skip() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }
}
