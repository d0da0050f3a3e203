package com.mysticanvas.sd.tokenizer;

import java.nio.charset.Charset;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's text cleaning before tokenization as A1111's tokenizer (Hugging Face's CLIPTokenizer) does it:
 * {@code ftfy.fix_text}, whitespace collapsed to single spaces, lower case. ftfy works line by line and repeats
 * its fixes until the line stops changing; HTML entities (with their semicolon; an all-caps name as its lower
 * case) are decoded each round, but not at all on a line that holds a {@code <} (taken for HTML). Of ftfy's
 * other fixes we do the parts that change prompts people type: control characters and byte-order marks removed,
 * curly quotes straightened, Latin ligatures and full-width forms unfolded, NFC. Mojibake repair (ftfy's
 * "cafÃ©" to "café") is not done. Checked against ftfy 6.3.1 run here (ClipTokenizerTest).
 */
final class ClipTextCleaner {
    /** ftfy's {@code HTML_ENTITY_RE}: only entities closed by a semicolon. */
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,24}|#[xX][0-9a-fA-F]{1,23}|[A-Za-z][A-Za-z0-9]{0,23});");
    private static final Pattern WHITESPACE = Pattern.compile("[\\p{IsWhite_Space}\\x1C-\\x1F]+");
    /** Named entities seen in prompts; Python's html.unescape knows all of HTML5's, these cover real use. */
    private static final Map<String, String> ENTITIES = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
            Map.entry("apos", "'"), Map.entry("nbsp", "\u00A0"), Map.entry("copy", "©"), Map.entry("reg", "®"),
            Map.entry("trade", "™"), Map.entry("hellip", "…"), Map.entry("mdash", "—"), Map.entry("ndash", "–"),
            Map.entry("lsquo", "‘"), Map.entry("rsquo", "’"), Map.entry("ldquo", "“"), Map.entry("rdquo", "”"),
            Map.entry("deg", "°"), Map.entry("times", "×"), Map.entry("middot", "·"), Map.entry("laquo", "«"),
            Map.entry("raquo", "»"), Map.entry("eacute", "é"), Map.entry("egrave", "è"), Map.entry("agrave", "à"),
            Map.entry("ccedil", "ç"), Map.entry("uuml", "ü"), Map.entry("ouml", "ö"), Map.entry("auml", "ä"),
            Map.entry("szlig", "ß"), Map.entry("ntilde", "ñ"), Map.entry("Eacute", "É"), Map.entry("Egrave", "È"),
            Map.entry("Agrave", "À"), Map.entry("Ccedil", "Ç"), Map.entry("Uuml", "Ü"), Map.entry("Ouml", "Ö"),
            Map.entry("Auml", "Ä"), Map.entry("Ntilde", "Ñ"));

    private ClipTextCleaner() {}

    static String clean(String text) {
        StringBuilder fixed = new StringBuilder(text.length());
        for (String line : text.split("(?<=\n)")) { // ftfy fixes each line apart
            fixed.append(fixLine(line));
        }
        return lowerCase(WHITESPACE.matcher(fixed).replaceAll(" ").strip());
    }

    /** ftfy's rounds on one line until it stops changing; entities only when it holds no {@code <}. */
    private static String fixLine(String line) {
        boolean unescape = line.indexOf('<') < 0;
        String previous;
        do {
            previous = line;
            line = fixText(unescape ? unescapeHtml(line) : line);
        } while (!line.equals(previous));
        return line;
    }

    /**
     * Python's {@code str.lower()}. Java's agrees except for capital sigma, where it looks past digits for
     * a following letter; Python applies Unicode's Final_Sigma rule (only case-ignorable characters are
     * skipped), so sigma is decided here first.
     */
    static String lowerCase(String text) {
        if (text.indexOf('\u03A3') < 0) {
            return text.toLowerCase(Locale.ROOT);
        }
        StringBuilder out = new StringBuilder(text);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\u03A3') {
                out.setCharAt(i, isFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    private static boolean isFinalSigma(String text, int at) {
        int before = at;
        int cp = -1;
        while (before > 0) {
            cp = text.codePointBefore(before);
            before -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                break;
            }
            cp = -1;
        }
        if (cp < 0 || !isCased(cp)) {
            return false;
        }
        for (int after = at + 1; after < text.length(); ) {
            cp = text.codePointAt(after);
            after += Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                return !isCased(cp);
            }
        }
        return true;
    }

    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    private static boolean isCaseIgnorable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                 Character.MODIFIER_SYMBOL -> true;
            default -> switch (cp) {
                // Word_Break MidLetter, MidNumLet and Single_Quote characters
                case '\'', '.', ':', 0x00B7, 0x0387, 0x05F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55,
                     0xFF07, 0xFF0E, 0xFF1A -> true;
                default -> false;
            };
        };
    }

    /** The ftfy subset described above. */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                continue; // a lone surrogate cannot be encoded as UTF-8
            }
            switch (cp) {
                case '\u02BC', '\u2018', '\u2019', '\u201A', '\u201B' -> out.append('\'');
                case '\u201C', '\u201D', '\u201E', '\u201F' -> out.append('"');
                case '\u3000' -> out.append(' ');
                default -> {
                    if (isRemovedControl(cp)) {
                        continue;
                    }
                    if (isLigature(cp) || (cp >= 0xFF01 && cp <= 0xFFEF)) {
                        out.append(Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFKC));
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        }
        return Normalizer.normalize(out, Normalizer.Form.NFC);
    }

    private static boolean isRemovedControl(int cp) {
        return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f')
                || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC)
                || (cp >= 0x206A && cp <= 0x206F) || (cp >= 0xE0000 && cp <= 0xE007F);
    }

    private static boolean isLigature(int cp) {
        return (cp >= 0xFB00 && cp <= 0xFB06) || cp == 0x0132 || cp == 0x0133 || cp == 0x013F || cp == 0x0140
                || cp == 0x0149 || (cp >= 0x01C4 && cp <= 0x01CC) || (cp >= 0x01F1 && cp <= 0x01F3);
    }

    /** ftfy's {@code unescape_html}: numeric references and the entities above, each closed by ';'. */
    static String unescapeHtml(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replacement(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String replacement(String name, String whole) {
        if (name.startsWith("#")) {
            return numericReference(name.substring(1));
        }
        if (ENTITIES.containsKey(name)) {
            return ENTITIES.get(name);
        }
        // ftfy reads an all-caps name as its lower case, upper-cased: "&EACUTE;" is "É", "&AMP;" "&"; "&Amp;" stays.
        String lower = name.toLowerCase(Locale.ROOT);
        return name.equals(name.toUpperCase(Locale.ROOT)) && ENTITIES.containsKey(lower)
                ? ENTITIES.get(lower).toUpperCase(Locale.ROOT) : whole;
    }

    private static String numericReference(String digits) {
        long value;
        try {
            value = digits.startsWith("x") || digits.startsWith("X")
                    ? Long.parseLong(digits.substring(1), 16) : Long.parseLong(digits);
        } catch (NumberFormatException tooLong) {
            return "\uFFFD";
        }
        if (value >= 0x80 && value <= 0x9F) {
            // HTML reads these as windows-1252 (&#150; is an en dash), as Python does.
            return new String(new byte[] {(byte) value}, Charset.forName("windows-1252"));
        }
        if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
            return "\uFFFD";
        }
        return Character.toString((int) value);
    }
}
