package com.mysticanvas.llm.template.jinja;


import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits template source into tokens with Python Jinja2's whitespace rules as Hugging Face configures them
 * ({@code trim_blocks=True, lstrip_blocks=True}, trailing newline dropped): {@code -} strips all whitespace on
 * its side, {@code +} disables lstrip/trim, a block or comment tag alone on its line loses its indentation, and
 * the first newline after a block or comment tag is dropped.
 */
final class Lexer {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    record Token(Kind kind, String text, int line) {
        boolean is(Kind k, String value) {
            return kind == k && text.equals(value);
        }

        boolean isName(String value) {
            return is(Kind.NAME, value);
        }

        boolean isOp(String value) {
            return is(Kind.OPERATOR, value);
        }
    }

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"
    };

    private final String src;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = normalize(source);
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    /** Newlines become {@code \n}; one trailing newline is dropped (Jinja's keep_trailing_newline=False). */
    private static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private void run() {
        while (pos < src.length()) {
            int start = nextTagStart(pos);
            if (start < 0) {
                emitText(src.substring(pos));
                pos = src.length();
                break;
            }
            char kindChar = src.charAt(start + 1);
            int after = start + 2;
            char sign = after < src.length() && (src.charAt(after) == '-' || src.charAt(after) == '+')
                    ? src.charAt(after) : 0;
            String text = src.substring(pos, start);
            if (sign == '-') {
                text = PyStrings.rstrip(text);
            } else if (sign != '+' && kindChar != '{') {
                text = lstripBlock(text);
            }
            emitText(text);
            line += countNewlines(src, pos, start) - countNewlines(text, 0, text.length());
            pos = after + (sign != 0 ? 1 : 0);
            switch (kindChar) {
                case '#' -> comment(start);
                case '{' -> tag(Kind.VAR_BEGIN, Kind.VAR_END, '}');
                default -> {
                    if (!rawBlock()) {
                        tag(Kind.BLOCK_BEGIN, Kind.BLOCK_END, '%');
                    }
                }
            }
        }
        tokens.add(new Token(Kind.EOF, "", line));
    }

    private void emitText(String text) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, text, line));
            line += countNewlines(text, 0, text.length());
        }
    }

    private int nextTagStart(int from) {
        for (int i = from; i + 1 < src.length(); i++) {
            if (src.charAt(i) == '{') {
                char c = src.charAt(i + 1);
                if (c == '{' || c == '%' || c == '#') {
                    return i;
                }
            }
        }
        return -1;
    }

    /** lstrip_blocks: whitespace between the line start and a block/comment tag goes. */
    private String lstripBlock(String text) {
        int lineStart = text.lastIndexOf('\n') + 1;
        if (lineStart == 0 && !lineStarting) {
            return text;
        }
        if (lineStart < text.length() && PyStrings.isAllSpace(text, lineStart)) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    private void comment(int start) {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
            throw error(line, "missing end of comment tag");
        }
        boolean stripAfter = end > pos && src.charAt(end - 1) == '-';
        boolean keep = end > pos && src.charAt(end - 1) == '+';
        line += countNewlines(src, start, end);
        pos = end + 2;
        finishTag(stripAfter, keep);
    }

    /** After a closing tag: {@code -} strips all following whitespace; otherwise trim_blocks drops one newline. */
    private void finishTag(boolean stripAfter, boolean keep) {
        int from = pos;
        if (stripAfter) {
            while (pos < src.length() && PyStrings.isSpace(src.charAt(pos))) {
                pos++;
            }
        } else if (!keep && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        line += countNewlines(src, from, pos);
        lineStarting = pos > from && src.charAt(pos - 1) == '\n';
    }

    /** {@code {% raw %}...{% endraw %}}: the body is text. Returns false when this block is not raw. */
    private boolean rawBlock() {
        int p = skipSpace(pos);
        if (!src.startsWith("raw", p) || (p + 3 < src.length() && isNameChar(src.charAt(p + 3)))) {
            return false;
        }
        int close = closeOfSimpleTag(skipSpace(p + 3));
        if (close < 0) {
            return false;
        }
        boolean stripAfter = src.charAt(close) == '-';
        pos = close + (stripAfter ? 3 : 2);
        finishTag(stripAfter, false);
        int search = pos;
        while (true) {
            int open = src.indexOf("{%", search);
            if (open < 0) {
                throw error(line, "missing end of raw directive");
            }
            int q = open + 2;
            char sign = q < src.length() && (src.charAt(q) == '-' || src.charAt(q) == '+') ? src.charAt(q) : 0;
            int name = skipSpace(q + (sign != 0 ? 1 : 0));
            if (src.startsWith("endraw", name)) {
                int endClose = closeOfSimpleTag(skipSpace(name + 6));
                if (endClose >= 0) {
                    String body = src.substring(pos, open);
                    if (sign == '-') {
                        body = PyStrings.rstrip(body);
                    } else if (sign != '+') {
                        body = lstripBlock(body);
                    }
                    emitText(body);
                    line += countNewlines(src, pos, open) - countNewlines(body, 0, body.length());
                    boolean endStrip = src.charAt(endClose) == '-';
                    pos = endClose + (endStrip ? 3 : 2);
                    finishTag(endStrip, src.charAt(endClose) == '+');
                    return true;
                }
            }
            search = open + 2;
        }
    }

    /** Position of {@code %}}, {@code -%}} or {@code +%}} at p, or -1. */
    private int closeOfSimpleTag(int p) {
        if (src.startsWith("%}", p)) {
            return p;
        }
        if ((src.startsWith("-%}", p) || src.startsWith("+%}", p))) {
            return p;
        }
        return -1;
    }

    private int skipSpace(int p) {
        while (p < src.length() && PyStrings.isSpace(src.charAt(p))) {
            p++;
        }
        return p;
    }

    /** Tokens inside {@code {{ }}} or {@code {% %}} up to the closing delimiter (outside any brackets). */
    private void tag(Kind begin, Kind end, char closer) {
        tokens.add(new Token(begin, "", line));
        Deque<Character> brackets = new ArrayDeque<>();
        while (true) {
            if (pos >= src.length()) {
                throw error(line, "unexpected end of template, expected '" + closer + "}'");
            }
            if (brackets.isEmpty()) {
                boolean minus = src.startsWith("-" + closer + "}", pos);
                boolean plus = closer == '%' && src.startsWith("+%}", pos);
                if (minus || plus || src.startsWith(closer + "}", pos)) {
                    tokens.add(new Token(end, "", line));
                    pos += (minus || plus) ? 3 : 2;
                    if (closer == '%') {
                        finishTag(minus, plus);
                    } else {
                        finishTag(minus, true);
                    }
                    return;
                }
            }
            char c = src.charAt(pos);
            if (PyStrings.isSpace(c)) {
                if (c == '\n') {
                    line++;
                }
                pos++;
            } else if (Character.isDigit(c)) {
                number();
            } else if (c == '_' || Character.isLetter(c)) {
                int s = pos;
                while (pos < src.length() && isNameChar(src.charAt(pos))) {
                    pos++;
                }
                tokens.add(new Token(Kind.NAME, src.substring(s, pos), line));
            } else if (c == '\'' || c == '"') {
                string(c);
            } else {
                operator(brackets);
            }
        }
    }

    private static boolean isNameChar(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    private void number() {
        int s = pos;
        if (src.charAt(pos) == '0' && pos + 1 < src.length() && "xXoObB".indexOf(src.charAt(pos + 1)) >= 0) {
            int radix = switch (Character.toLowerCase(src.charAt(pos + 1))) {
                case 'x' -> 16;
                case 'o' -> 8;
                default -> 2;
            };
            pos += 2;
            int d = pos;
            while (pos < src.length() && (Character.digit(src.charAt(pos), radix) >= 0 || src.charAt(pos) == '_')) {
                pos++;
            }
            String digits = src.substring(d, pos).replace("_", "");
            try {
                tokens.add(new Token(Kind.INTEGER, Long.toString(Long.parseLong(digits, radix)), line));
            } catch (NumberFormatException e) {
                throw error(line, "bad integer literal '" + src.substring(s, pos) + "'");
            }
            return;
        }
        digits();
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            pos++;
            digits();
            isFloat = true;
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                digits();
                isFloat = true;
            } else {
                pos = save;
            }
        }
        String text = src.substring(s, pos).replace("_", "");
        tokens.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, text, line));
    }

    private void digits() {
        while (pos < src.length() && (Character.isDigit(src.charAt(pos))
                || (src.charAt(pos) == '_' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))))) {
            pos++;
        }
    }

    private void string(char quote) {
        int startLine = line;
        StringBuilder raw = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) {
                throw error(startLine, "unterminated string literal");
            }
            char c = src.charAt(pos);
            if (c == '\\' && pos + 1 < src.length()) {
                raw.append(c).append(src.charAt(pos + 1));
                pos += 2;
                continue;
            }
            pos++;
            if (c == quote) {
                break;
            }
            if (c == '\n') {
                line++;
            }
            raw.append(c);
        }
        tokens.add(new Token(Kind.STRING, PyStrings.unescape(raw.toString()), startLine));
    }

    private void operator(Deque<Character> brackets) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                char c = op.charAt(0);
                if (op.length() == 1 && (c == '(' || c == '[' || c == '{')) {
                    brackets.push(c == '(' ? ')' : c == '[' ? ']' : '}');
                } else if (op.length() == 1 && (c == ')' || c == ']' || c == '}')) {
                    if (brackets.isEmpty()) {
                        throw error(line, "unexpected '" + c + "'");
                    }
                    char expected = brackets.pop();
                    if (expected != c) {
                        throw error(line, "unexpected '" + c + "', expected '" + expected + "'");
                    }
                }
                tokens.add(new Token(Kind.OPERATOR, op, line));
                pos += op.length();
                return;
            }
        }
        throw error(line, "unexpected char '" + src.charAt(pos) + "'");
    }

    private static int countNewlines(String s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    static TemplateException error(int line, String message) {
        return new TemplateException("template syntax error, line " + line + ": " + message);
    }
}
