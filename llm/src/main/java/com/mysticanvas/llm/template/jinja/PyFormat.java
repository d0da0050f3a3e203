package com.mysticanvas.llm.template.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Python string formatting: {@code str % args}, {@code str.format(...)} and {@code strftime}. */
final class PyFormat {
    private PyFormat() {}

    /** {@code 'text %s' % args}: %s %r %d %i %f (with precision) and %%; a dict feeds {@code %(name)s}. */
    static Str percent(Str format, Object args) {
        List<?> positional = args instanceof Tuple t ? t : Collections.singletonList(args);
        String f = format.text();
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (++i >= f.length()) {
                throw new TemplateRuntimeError("incomplete format");
            }
            Object value;
            if (f.charAt(i) == '%') {
                out.append('%');
                continue;
            }
            if (f.charAt(i) == '(') {
                int close = f.indexOf(')', i);
                if (close < 0 || !(args instanceof Map<?, ?> m)) {
                    throw new TemplateRuntimeError("format requires a mapping");
                }
                value = m.get(Str.of(f.substring(i + 1, close)));
                i = close + 1;
            } else {
                if (next >= positional.size()) {
                    throw new TemplateRuntimeError("not enough arguments for format string");
                }
                value = positional.get(next++);
            }
            int precision = -1;
            if (i < f.length() && f.charAt(i) == '.') {
                int s = ++i;
                while (i < f.length() && Character.isDigit(f.charAt(i))) {
                    i++;
                }
                precision = Integer.parseInt(f.substring(s, i));
            }
            char conv = i < f.length() ? f.charAt(i) : 's';
            out.append(switch (conv) {
                case 's' -> Values.str(value).text();
                case 'r' -> Values.repr(value);
                case 'd', 'i' -> Long.toString(value instanceof Double d ? (long) (double) d : Values.toLong(value));
                case 'f' -> String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "f",
                        Values.toDouble(value));
                default -> throw new TemplateRuntimeError("unsupported format character '" + conv + "'");
            });
        }
        if (next < positional.size() && !(args instanceof Map)) {
            throw new TemplateRuntimeError("not all arguments converted during string formatting");
        }
        return format.derive(out.toString());
    }

    /** {@code 'text {} {0} {name}'.format(...)}; {@code {{}} and {@code }}} are literal braces. */
    static Str format(Str format, Args args) {
        String f = format.text();
        StringBuilder out = new StringBuilder();
        int auto = 0;
        boolean allInput = format.isAllInput();
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '{' && i + 1 < f.length() && f.charAt(i + 1) == '{') {
                out.append('{');
                i++;
            } else if (c == '}' && i + 1 < f.length() && f.charAt(i + 1) == '}') {
                out.append('}');
                i++;
            } else if (c == '{') {
                int close = f.indexOf('}', i);
                if (close < 0) {
                    throw new TemplateRuntimeError("Single '{' encountered in format string");
                }
                String field = f.substring(i + 1, close);
                int colon = field.indexOf(':');
                String name = colon < 0 ? field : field.substring(0, colon);
                Object value;
                if (name.isEmpty()) {
                    value = positional(args, auto++);
                } else if (name.chars().allMatch(Character::isDigit)) {
                    value = positional(args, Integer.parseInt(name));
                } else {
                    if (!args.keywords().containsKey(name)) {
                        throw new TemplateRuntimeError("KeyError: '" + name + "'");
                    }
                    value = args.keywords().get(name);
                }
                Str text = Values.str(value);
                allInput &= text.isAllInput();
                out.append(colon < 0 ? text.text() : formatSpec(value, field.substring(colon + 1)));
                i = close;
            } else if (c == '}') {
                throw new TemplateRuntimeError("Single '}' encountered in format string");
            } else {
                out.append(c);
            }
        }
        return allInput ? Str.input(out.toString()) : Str.of(out.toString());
    }

    private static Object positional(Args args, int index) {
        if (index >= args.size()) {
            throw new TemplateRuntimeError("Replacement index " + index + " out of range for positional args tuple");
        }
        return args.positional().get(index);
    }

    /** The common format specs: [[fill]align][width][.precision][type]. */
    private static String formatSpec(Object value, String spec) {
        char align = 0;
        char fill = ' ';
        int i = 0;
        if (spec.length() >= 2 && "<>^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if (!spec.isEmpty() && "<>^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        int s = i;
        while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
            i++;
        }
        int width = i > s ? Integer.parseInt(spec.substring(s, i)) : 0;
        int precision = -1;
        if (i < spec.length() && spec.charAt(i) == '.') {
            int p = ++i;
            while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
                i++;
            }
            precision = Integer.parseInt(spec.substring(p, i));
        }
        String type = spec.substring(i);
        String body = switch (type) {
            case "f" -> String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "f", Values.toDouble(value));
            case "d" -> Long.toString(Values.toLong(value));
            case "", "s" -> {
                String t = Values.str(value).text();
                yield precision >= 0 && t.length() > precision ? t.substring(0, precision) : t;
            }
            default -> throw new TemplateRuntimeError("unsupported format spec '" + spec + "'");
        };
        if (body.length() >= width) {
            return body;
        }
        if (align == 0) {
            align = Values.isNumber(value) ? '>' : '<';
        }
        String pad = String.valueOf(fill).repeat(width - body.length());
        return switch (align) {
            case '>' -> pad + body;
            case '^' -> pad.substring(0, pad.length() / 2) + body + pad.substring(pad.length() / 2);
            default -> body + pad;
        };
    }

    /** C/Python {@code strftime} for the directives chat templates use. */
    static String strftime(ZonedDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < format.length()) {
                noPad = true;
                d = format.charAt(++i);
            }
            out.append(switch (d) {
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> pad(t.getYear() % 100, noPad);
                case 'm' -> pad(t.getMonthValue(), noPad);
                case 'd' -> pad(t.getDayOfMonth(), noPad);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'H' -> pad(t.getHour(), noPad);
                case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, noPad);
                case 'M' -> pad(t.getMinute(), noPad);
                case 'S' -> pad(t.getSecond(), noPad);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'j' -> noPad ? Integer.toString(t.getDayOfYear()) : String.format("%03d", t.getDayOfYear());
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case '%' -> "%";
                default -> "%" + d;
            });
        }
        return out.toString();
    }

    private static String pad(int v, boolean noPad) {
        return noPad || v >= 10 ? Integer.toString(v) : "0" + v;
    }
}
