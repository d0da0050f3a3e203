package com.mysticanvas.llm.template.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Python methods of str, list and dict, bound to their receiver; null when there is no such method. */
final class Methods {
    private Methods() {}

    static JinjaFunction str(Str s, String name) {
        String t = s.text();
        return switch (name) {
            case "strip", "lstrip", "rstrip" -> (r, a) -> s.derive(PyStrings.strip(t, optionalText(a, 0, "chars"),
                    !name.equals("rstrip"), !name.equals("lstrip")));
            case "upper" -> (r, a) -> s.derive(t.toUpperCase());
            case "lower", "casefold" -> (r, a) -> s.derive(t.toLowerCase());
            case "title" -> (r, a) -> s.derive(PyStrings.title(t));
            case "capitalize" -> (r, a) -> s.derive(PyStrings.capitalize(t));
            case "swapcase" -> (r, a) -> {
                StringBuilder b = new StringBuilder();
                t.codePoints().forEach(c -> b.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
                        : Character.toUpperCase(c)));
                return s.derive(b.toString());
            };
            case "split", "rsplit" -> (r, a) -> {
                String sep = optionalText(a, 0, "sep");
                int max = (int) Values.toLong(a.get(1, "maxsplit", -1L));
                List<Object> parts = new ArrayList<>();
                try {
                    for (String p : name.equals("split") ? PyStrings.split(t, sep, max)
                            : PyStrings.rsplit(t, sep, max)) {
                        parts.add(s.derive(p));
                    }
                } catch (IllegalArgumentException e) {
                    throw new TemplateRuntimeError(e.getMessage());
                }
                return parts;
            };
            case "splitlines" -> (r, a) -> {
                List<Object> lines = new ArrayList<>();
                for (String line : splitLines(t, Values.truthy(a.get(0, "keepends", false)))) {
                    lines.add(s.derive(line));
                }
                return lines;
            };
            case "startswith", "endswith" -> (r, a) -> {
                Object arg = a.get(0, null, null);
                List<?> options = arg instanceof Tuple tuple ? tuple : java.util.Collections.singletonList(arg);
                for (Object option : options) {
                    String o = text(option, name);
                    if (name.equals("startswith") ? t.startsWith(o) : t.endsWith(o)) {
                        return true;
                    }
                }
                return false;
            };
            case "replace" -> (r, a) -> {
                String old = text(a.get(0, "old", null), name);
                String with = text(a.get(1, "new", null), name);
                long count = Values.toLong(a.get(2, "count", -1L));
                return s.derive(replace(t, old, with, count));
            };
            case "find", "rfind", "index", "rindex" -> (r, a) -> {
                String sub = text(a.get(0, "sub", null), name);
                int at = name.startsWith("r") ? t.lastIndexOf(sub) : t.indexOf(sub);
                if (at < 0 && name.contains("index")) {
                    throw new TemplateRuntimeError("substring not found");
                }
                return (long) (at < 0 ? -1 : t.codePointCount(0, at));
            };
            case "count" -> (r, a) -> {
                String sub = text(a.get(0, "sub", null), name);
                if (sub.isEmpty()) {
                    return (long) s.length() + 1;
                }
                long n = 0;
                for (int at = t.indexOf(sub); at >= 0; at = t.indexOf(sub, at + sub.length())) {
                    n++;
                }
                return n;
            };
            case "join" -> (r, a) -> {
                Str result = Str.EMPTY;
                boolean first = true;
                for (Object item : Values.iterate(a.get(0, "iterable", null))) {
                    if (!(item instanceof Str part)) {
                        throw new TemplateRuntimeError("sequence item: expected str instance, "
                                + Values.typeName(item) + " found");
                    }
                    result = first ? part : result.concat(s).concat(part);
                    first = false;
                }
                return result;
            };
            case "format" -> (r, a) -> PyFormat.format(s, a);
            case "removeprefix" -> (r, a) -> {
                String p = text(a.get(0, "prefix", null), name);
                return t.startsWith(p) ? s.derive(t.substring(p.length())) : s;
            };
            case "removesuffix" -> (r, a) -> {
                String p = text(a.get(0, "suffix", null), name);
                return t.endsWith(p) && !p.isEmpty() ? s.derive(t.substring(0, t.length() - p.length())) : s;
            };
            case "partition", "rpartition" -> (r, a) -> {
                String sep = text(a.get(0, "sep", null), name);
                int at = name.equals("partition") ? t.indexOf(sep) : t.lastIndexOf(sep);
                if (at < 0) {
                    return name.equals("partition") ? Tuple.of(s, Str.EMPTY, Str.EMPTY)
                            : Tuple.of(Str.EMPTY, Str.EMPTY, s);
                }
                return Tuple.of(s.derive(t.substring(0, at)), s.derive(sep), s.derive(t.substring(at + sep.length())));
            };
            case "zfill" -> (r, a) -> {
                int width = (int) Values.toLong(a.get(0, "width", 0L));
                return s.derive(t.length() >= width ? t : "0".repeat(width - t.length()) + t);
            };
            case "center", "ljust", "rjust" -> (r, a) -> {
                int width = (int) Values.toLong(a.get(0, "width", 0L));
                String fill = optionalText(a, 1, "fillchar");
                String pad = (fill == null ? " " : fill).repeat(Math.max(0, width - s.length()));
                return s.derive(switch (name) {
                    case "ljust" -> t + pad;
                    case "rjust" -> pad + t;
                    default -> pad.substring(0, pad.length() / 2) + t + pad.substring(pad.length() / 2);
                });
            };
            case "isdigit", "isdecimal", "isnumeric" -> (r, a) -> !t.isEmpty() && t.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (r, a) -> !t.isEmpty() && t.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (r, a) -> !t.isEmpty() && t.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (r, a) -> !t.isEmpty() && PyStrings.isAllSpace(t, 0);
            case "islower" -> (r, a) -> t.codePoints().anyMatch(Character::isLowerCase)
                    && t.codePoints().noneMatch(Character::isUpperCase);
            case "isupper" -> (r, a) -> t.codePoints().anyMatch(Character::isUpperCase)
                    && t.codePoints().noneMatch(Character::isLowerCase);
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    static JinjaFunction list(List<?> list, String name) {
        List<Object> l = (List<Object>) list;
        boolean mutable = !(list instanceof Tuple);
        return switch (name) {
            case "append" -> mutable ? (r, a) -> {
                l.add(a.get(0, null, null));
                return null;
            } : null;
            case "extend" -> mutable ? (r, a) -> {
                l.addAll(Values.iterate(a.get(0, null, null)));
                return null;
            } : null;
            case "insert" -> mutable ? (r, a) -> {
                long i = Values.toLong(a.get(0, null, 0L));
                int at = (int) Math.max(0, Math.min(l.size(), i < 0 ? l.size() + i : i));
                l.add(at, a.get(1, null, null));
                return null;
            } : null;
            case "pop" -> mutable ? (r, a) -> {
                if (l.isEmpty()) {
                    throw new TemplateRuntimeError("pop from empty list");
                }
                long i = Values.toLong(a.get(0, null, -1L));
                long at = i < 0 ? l.size() + i : i;
                if (at < 0 || at >= l.size()) {
                    throw new TemplateRuntimeError("pop index out of range");
                }
                return l.remove((int) at);
            } : null;
            case "remove" -> mutable ? (r, a) -> {
                Object x = a.get(0, null, null);
                for (int i = 0; i < l.size(); i++) {
                    if (Values.eq(l.get(i), x)) {
                        l.remove(i);
                        return null;
                    }
                }
                throw new TemplateRuntimeError("list.remove(x): x not in list");
            } : null;
            case "reverse" -> mutable ? (r, a) -> {
                java.util.Collections.reverse(l);
                return null;
            } : null;
            case "clear" -> mutable ? (r, a) -> {
                l.clear();
                return null;
            } : null;
            case "copy" -> (r, a) -> new ArrayList<>(l);
            case "index" -> (r, a) -> {
                Object x = a.get(0, null, null);
                for (int i = 0; i < l.size(); i++) {
                    if (Values.eq(l.get(i), x)) {
                        return (long) i;
                    }
                }
                throw new TemplateRuntimeError(Values.repr(x) + " is not in list");
            };
            case "count" -> (r, a) -> l.stream().filter(x -> Values.eq(x, a.get(0, null, null))).count();
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    static JinjaFunction dict(Map<?, ?> map, String name) {
        Map<Object, Object> m = (Map<Object, Object>) map;
        return switch (name) {
            case "get" -> (r, a) -> {
                Object key = a.get(0, "key", null);
                return m.containsKey(key) ? m.get(key) : a.get(1, "default", null);
            };
            case "items" -> (r, a) -> {
                List<Object> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(Tuple.of(k, v)));
                return items;
            };
            case "keys" -> (r, a) -> new ArrayList<>(m.keySet());
            case "values" -> (r, a) -> new ArrayList<>(m.values());
            case "copy" -> (r, a) -> new java.util.LinkedHashMap<>(m);
            case "pop" -> (r, a) -> {
                Object key = a.get(0, "key", null);
                if (m.containsKey(key)) {
                    return m.remove(key);
                }
                if (a.has(1, "default")) {
                    return a.get(1, "default", null);
                }
                throw new TemplateRuntimeError("KeyError: " + Values.repr(key));
            };
            case "setdefault" -> (r, a) -> {
                Object key = a.get(0, "key", null);
                return m.computeIfAbsent(key, k -> a.get(1, "default", null));
            };
            case "update" -> (r, a) -> {
                for (Object other : a.positional()) {
                    if (other instanceof Map<?, ?> o) {
                        m.putAll(o);
                    }
                }
                a.keywords().forEach((k, v) -> m.put(Str.of(k), v));
                return null;
            };
            default -> null;
        };
    }

    /** Python's {@code str.splitlines}: all of Python's line boundaries. */
    static List<String> splitLines(String t, boolean keepEnds) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < t.length()) {
            char c = t.charAt(i);
            int width = c == '\r' && i + 1 < t.length() && t.charAt(i + 1) == '\n' ? 2 : 1;
            if ("\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0) {
                lines.add(t.substring(start, keepEnds ? i + width : i));
                i += width;
                start = i;
            } else {
                i++;
            }
        }
        if (start < t.length()) {
            lines.add(t.substring(start));
        }
        return lines;
    }

    private static String replace(String t, String old, String with, long count) {
        if (count < 0) {
            return t.replace(old, with);
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = t.indexOf(old, from);
            if (at < 0) {
                break;
            }
            b.append(t, from, at).append(with);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from < t.length()) {
                    b.append(t.charAt(from));
                }
                from++;
            }
        }
        if (from <= t.length()) {
            b.append(t.substring(Math.min(from, t.length())));
        }
        return b.toString();
    }

    private static String optionalText(Args a, int index, String name) {
        Object v = a.get(index, name, null);
        return v == null ? null : text(v, name);
    }

    static String text(Object v, String method) {
        if (v instanceof Str s) {
            return s.text();
        }
        throw new TemplateRuntimeError(method + "() argument must be str, not " + Values.typeName(v));
    }
}
