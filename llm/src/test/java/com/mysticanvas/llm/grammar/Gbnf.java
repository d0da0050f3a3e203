package com.mysticanvas.llm.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A GBNF grammar parsed by the rules of llama.cpp's grammar parser (src/llama-grammar.cpp), so that what it
 * accepts llama.cpp accepts: same syntax, same expansion of repetitions into helper rules, same limit of 2000
 * on repetitions, undefined rules and left recursion refused, a {@code root} rule required. It can also tell
 * whether a text matches, by the same stack-set walk llama.cpp's sampler does, which lets tests prove what a
 * grammar allows without loading a model. Token elements ({@code <...>}) need a vocabulary and are refused.
 * Tests only: it checks the grammars main code writes ({@link JsonSchemaGrammar}, {@link Repetition}).
 */
public final class Gbnf {
    /** llama.cpp's MAX_REPETITION_THRESHOLD. */
    static final int MAX_REPETITION = 2000;

    private sealed interface Element {}

    /** Code-point ranges (inclusive pairs); negated with no ranges is "any character". */
    private record CharClass(int[] ranges, boolean negated) implements Element {
        boolean accepts(int c) {
            boolean in = false;
            for (int i = 0; i < ranges.length; i += 2) {
                if (c >= ranges[i] && c <= ranges[i + 1]) {
                    in = true;
                    break;
                }
            }
            return in != negated;
        }
    }

    private record RuleRef(int rule) implements Element {}

    private final List<List<List<Element>>> rules;
    private final int root;

    private Gbnf(List<List<List<Element>>> rules, int root) {
        this.rules = rules;
        this.root = root;
    }

    /** Parses and checks a grammar; anything llama.cpp would refuse is an {@link IllegalArgumentException}. */
    public static Gbnf parse(String text) {
        return new Parser(text).run();
    }

    // ---- matching

    private record Pos(int rule, int alt, int index) {}

    /** An immutable parse stack; {@code null} is the empty (accepting) stack. */
    private static final class Frame {
        final Pos pos;
        final Frame next;
        final int hash;

        Frame(Pos pos, Frame next) {
            this.pos = pos;
            this.next = next;
            this.hash = pos.hashCode() * 31 + (next == null ? 0 : next.hash);
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Frame f) || f.hash != hash || !f.pos.equals(pos)) {
                return false;
            }
            return next == f.next || (next != null && next.equals(f.next));
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** True when the whole text is a sentence of the grammar. */
    public boolean matches(String text) {
        Set<Frame> stacks = start();
        for (int i = 0; i < text.length() && !stacks.isEmpty(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            stacks = step(stacks, c);
        }
        return stacks.contains(null);
    }

    /**
     * A random sentence of the grammar, or null when none ended within {@code maxLength} characters: shows
     * what a grammar allows (tests feed these to a JSON Schema validator). Same seed, same sentence.
     */
    public String sample(Random random, int maxLength) {
        Set<Frame> stacks = start();
        StringBuilder out = new StringBuilder();
        while (true) {
            List<Frame> ready = new ArrayList<>();
            for (Frame f : stacks) {
                if (f != null) {
                    ready.add(f);
                }
            }
            boolean complete = stacks.contains(null);
            if (complete && (ready.isEmpty() || random.nextInt(out.length() > maxLength / 4 ? 2 : 8) == 0)) {
                return out.toString();
            }
            if (ready.isEmpty() || out.length() >= maxLength) {
                return complete ? out.toString() : null;
            }
            ready.sort(java.util.Comparator.comparingInt(Frame::hashCode));
            CharClass cc = (CharClass) element(ready.get(random.nextInt(ready.size())).pos);
            int c = pick(cc, random);
            if (c >= 0) {
                stacks = step(stacks, c);
                out.appendCodePoint(c);
            }
        }
    }

    /** Characters tried for negated classes: printable ASCII and a few beyond. */
    private static final int[] POOL = ("abcxyzABCXYZ0123456789 _-.,:;!?'\"\\/@#()[]{}<>+*=\t\né中😀")
            .codePoints().toArray();

    private static int pick(CharClass cc, Random random) {
        if (!cc.negated() && cc.ranges().length > 0) {
            int r = random.nextInt(cc.ranges().length / 2) * 2;
            int low = cc.ranges()[r];
            int high = Math.min(cc.ranges()[r + 1], low + 200);
            int c = low + random.nextInt(high - low + 1);
            return Character.isSurrogate((char) c) && c <= 0xffff ? -1 : c;
        }
        for (int tries = 0; tries < 50; tries++) {
            int c = POOL[random.nextInt(POOL.length)];
            if (cc.accepts(c)) {
                return c;
            }
        }
        return -1;
    }

    private Set<Frame> start() {
        Set<Frame> stacks = new HashSet<>();
        for (int alt = 0; alt < rules.get(root).size(); alt++) {
            expand(new Frame(new Pos(root, alt, 0), null), stacks);
        }
        return stacks;
    }

    /** The stacks after reading one character: those whose next element accepts it, advanced. */
    private Set<Frame> step(Set<Frame> stacks, int c) {
        Set<Frame> next = new HashSet<>();
        for (Frame f : stacks) {
            if (f != null && element(f.pos) instanceof CharClass cc && cc.accepts(c)) {
                expand(advance(f), next);
            }
        }
        return next;
    }

    private Element element(Pos p) {
        return rules.get(p.rule()).get(p.alt()).get(p.index());
    }

    private Frame advance(Frame f) {
        Pos p = f.pos;
        int size = rules.get(p.rule()).get(p.alt()).size();
        return p.index() + 1 >= size ? f.next : new Frame(new Pos(p.rule(), p.alt(), p.index() + 1), f.next);
    }

    /** Pushes rule references until every stack's top is a character class (or the stack is empty). */
    private void expand(Frame stack, Set<Frame> out) {
        if (stack == null) {
            out.add(null);
            return;
        }
        Pos p = stack.pos;
        List<Element> seq = rules.get(p.rule()).get(p.alt());
        if (p.index() >= seq.size()) {
            expand(stack.next, out);
            return;
        }
        switch (seq.get(p.index())) {
            case CharClass cc -> out.add(stack);
            case RuleRef ref -> {
                Frame continuation = advance(stack);
                List<List<Element>> alts = rules.get(ref.rule());
                for (int a = 0; a < alts.size(); a++) {
                    expand(new Frame(new Pos(ref.rule(), a, 0), continuation), out);
                }
            }
        }
    }

    // ---- parsing (follows llama.cpp's parser step by step)

    private static final class Parser {
        private final String src;
        private int pos;
        private final Map<String, Integer> symbols = new LinkedHashMap<>();
        private final Map<Integer, List<List<Element>>> defined = new HashMap<>();

        Parser(String src) {
            this.src = src;
        }

        Gbnf run() {
            space(true);
            while (pos < src.length()) {
                rule();
            }
            List<List<List<Element>>> rules = new ArrayList<>();
            for (Map.Entry<String, Integer> e : symbols.entrySet()) {
                List<List<Element>> alts = defined.get(e.getValue());
                if (alts == null) {
                    throw new IllegalArgumentException("undefined rule identifier '" + e.getKey() + "'");
                }
                rules.add(alts);
            }
            Integer root = symbols.get("root");
            if (root == null || !defined.containsKey(root)) {
                throw new IllegalArgumentException("grammar does not contain a 'root' rule");
            }
            checkLeftRecursion(rules);
            return new Gbnf(rules, root);
        }

        private int symbol(String name) {
            return symbols.computeIfAbsent(name, n -> symbols.size());
        }

        private int generated(String base) {
            int id = symbols.size();
            symbols.put(base + "_" + id, id);
            return id;
        }

        private void rule() {
            String name = name();
            int id = symbol(name);
            space(false);
            if (!src.startsWith("::=", pos)) {
                throw error("expecting ::=");
            }
            pos += 3;
            space(true);
            alternates(name, id, false);
            if (pos < src.length()) {
                char c = src.charAt(pos);
                if (c == '\r') {
                    pos += pos + 1 < src.length() && src.charAt(pos + 1) == '\n' ? 2 : 1;
                } else if (c == '\n') {
                    pos++;
                } else {
                    throw error("expecting newline or end");
                }
            }
            space(true);
        }

        private void alternates(String ruleName, int id, boolean nested) {
            List<List<Element>> alts = new ArrayList<>();
            alts.add(sequence(ruleName, nested));
            while (pos < src.length() && src.charAt(pos) == '|') {
                pos++;
                space(true);
                alts.add(sequence(ruleName, nested));
            }
            defined.put(id, alts);
        }

        private List<Element> sequence(String ruleName, boolean nested) {
            List<Element> seq = new ArrayList<>();
            int lastSymStart = -1;
            long prevRules = 1;
            while (pos < src.length()) {
                char c = src.charAt(pos);
                if (c == '"') {
                    pos++;
                    lastSymStart = seq.size();
                    prevRules = 1;
                    while (true) {
                        if (pos >= src.length()) {
                            throw error("unexpected end of input");
                        }
                        if (src.charAt(pos) == '"') {
                            break;
                        }
                        int ch = character();
                        seq.add(new CharClass(new int[] {ch, ch}, false));
                    }
                    pos++;
                    space(nested);
                } else if (c == '[') {
                    pos++;
                    boolean negated = pos < src.length() && src.charAt(pos) == '^';
                    if (negated) {
                        pos++;
                    }
                    List<Integer> ranges = new ArrayList<>();
                    while (true) {
                        if (pos >= src.length()) {
                            throw error("unexpected end of input");
                        }
                        if (src.charAt(pos) == ']') {
                            break;
                        }
                        int low = character();
                        int high = low;
                        if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
                            pos++;
                            high = character();
                        }
                        ranges.add(low);
                        ranges.add(high);
                    }
                    pos++;
                    lastSymStart = seq.size();
                    prevRules = 1;
                    seq.add(new CharClass(ranges.stream().mapToInt(Integer::intValue).toArray(), negated));
                    space(nested);
                } else if (c == '<' || c == '!') {
                    throw error("token elements (<...>) need a vocabulary and are not supported here");
                } else if (isWordChar(c)) {
                    String ref = name();
                    lastSymStart = seq.size();
                    prevRules = 1;
                    seq.add(new RuleRef(symbol(ref)));
                    space(nested);
                } else if (c == '(') {
                    pos++;
                    space(true);
                    int before = symbols.size();
                    int sub = generated(ruleName);
                    alternates(ruleName, sub, true);
                    prevRules = Math.max(1, symbols.size() - before);
                    lastSymStart = seq.size();
                    seq.add(new RuleRef(sub));
                    if (pos >= src.length() || src.charAt(pos) != ')') {
                        throw error("expecting ')'");
                    }
                    pos++;
                    space(nested);
                } else if (c == '.') {
                    pos++;
                    lastSymStart = seq.size();
                    prevRules = 1;
                    seq.add(new CharClass(new int[0], true));
                    space(nested);
                } else if (c == '*' || c == '+' || c == '?') {
                    pos++;
                    space(nested);
                    prevRules = repeat(seq, lastSymStart, prevRules, ruleName, c == '+' ? 1 : 0, c == '?' ? 1 : -1);
                } else if (c == '{') {
                    pos++;
                    space(nested);
                    long min = integer();
                    space(nested);
                    long max;
                    if (pos < src.length() && src.charAt(pos) == '}') {
                        max = min;
                        pos++;
                        space(nested);
                    } else if (pos < src.length() && src.charAt(pos) == ',') {
                        pos++;
                        space(nested);
                        max = -1;
                        if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                            max = integer();
                            space(nested);
                        }
                        if (pos >= src.length() || src.charAt(pos) != '}') {
                            throw error("expecting '}'");
                        }
                        pos++;
                        space(nested);
                    } else {
                        throw error("expecting ','");
                    }
                    if (min > MAX_REPETITION) {
                        throw error("number of repetitions exceeds " + MAX_REPETITION);
                    }
                    if (max > MAX_REPETITION) {
                        max = -1;
                    }
                    prevRules = repeat(seq, lastSymStart, prevRules, ruleName, min, max);
                } else {
                    break;
                }
            }
            return seq;
        }

        /** S{min,max} (max -1: unbounded) as llama.cpp rewrites it: S repeated min times, then optional S' rules. */
        private long repeat(List<Element> seq, int lastSymStart, long prevRules, String ruleName, long min, long max) {
            boolean noMax = max < 0;
            if (lastSymStart < 0 || lastSymStart >= seq.size()) {
                throw error("expecting preceding item to */+/?/{");
            }
            long total = !noMax && max > 0 ? max : min > 0 ? min : 1;
            if (prevRules * total > MAX_REPETITION) {
                throw error("repeated rules times repetitions exceeds " + MAX_REPETITION);
            }
            List<Element> prev = new ArrayList<>(seq.subList(lastSymStart, seq.size()));
            if (min == 0) {
                seq.subList(lastSymStart, seq.size()).clear();
            } else {
                for (long i = 1; i < min; i++) {
                    seq.addAll(prev);
                }
            }
            long optional = noMax ? 1 : max - min;
            int lastRec = -1;
            for (long i = 0; i < optional; i++) {
                int rec = generated(ruleName);
                List<Element> repeated = new ArrayList<>(prev);
                if (i > 0 || noMax) {
                    repeated.add(new RuleRef(noMax ? rec : lastRec));
                }
                List<List<Element>> alts = new ArrayList<>();
                alts.add(repeated);
                alts.add(new ArrayList<>());
                defined.put(rec, alts);
                lastRec = rec;
            }
            if (optional > 0) {
                seq.add(new RuleRef(lastRec));
            }
            return prevRules * total;
        }

        private int character() {
            char c = src.charAt(pos);
            if (c != '\\') {
                int cp = src.codePointAt(pos);
                pos += Character.charCount(cp);
                return cp;
            }
            if (pos + 1 >= src.length()) {
                throw error("unexpected end of input");
            }
            char e = src.charAt(pos + 1);
            pos += 2;
            return switch (e) {
                case 'x' -> hex(2);
                case 'u' -> hex(4);
                case 'U' -> hex(8);
                case 't' -> '\t';
                case 'r' -> '\r';
                case 'n' -> '\n';
                case '\\', '"', '[', ']', '-' -> e;
                default -> throw error("unknown escape");
            };
        }

        private int hex(int digits) {
            if (pos + digits > src.length()) {
                throw error("expecting " + digits + " hex chars");
            }
            int v = 0;
            for (int i = 0; i < digits; i++) {
                int d = Character.digit(src.charAt(pos + i), 16);
                if (d < 0) {
                    throw error("expecting " + digits + " hex chars");
                }
                v = v * 16 + d;
            }
            pos += digits;
            return v;
        }

        private long integer() {
            int start = pos;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw error("expecting an int");
            }
            try {
                return Long.parseLong(src.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("integer too large");
            }
        }

        private String name() {
            int start = pos;
            while (pos < src.length() && isWordChar(src.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw error("expecting name");
            }
            return src.substring(start, pos);
        }

        private static boolean isWordChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        }

        private void space(boolean newlineOk) {
            while (pos < src.length()) {
                char c = src.charAt(pos);
                if (c == '#') {
                    while (pos < src.length() && src.charAt(pos) != '\r' && src.charAt(pos) != '\n') {
                        pos++;
                    }
                } else if (c == ' ' || c == '\t' || (newlineOk && (c == '\r' || c == '\n'))) {
                    pos++;
                } else {
                    return;
                }
            }
        }

        private IllegalArgumentException error(String message) {
            String at = src.substring(pos, Math.min(src.length(), pos + 40)).replace("\n", "\\n");
            return new IllegalArgumentException("invalid grammar: " + message + " at '" + at + "'");
        }

        /** llama.cpp refuses grammars where a rule can reach itself without consuming a character. */
        private void checkLeftRecursion(List<List<List<Element>>> rules) {
            int n = rules.size();
            boolean[] mayBeEmpty = new boolean[n];
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int r = 0; r < n; r++) {
                    if (mayBeEmpty[r]) {
                        continue;
                    }
                    for (List<Element> alt : rules.get(r)) {
                        if (alt.stream().allMatch(e -> e instanceof RuleRef ref && mayBeEmpty[ref.rule()])) {
                            mayBeEmpty[r] = true;
                            changed = true;
                            break;
                        }
                    }
                }
            }
            int[] state = new int[n];
            for (int r = 0; r < n; r++) {
                leftRecursion(rules, r, state, mayBeEmpty);
            }
        }

        private void leftRecursion(List<List<List<Element>>> rules, int r, int[] state, boolean[] mayBeEmpty) {
            if (state[r] == 2) {
                return;
            }
            if (state[r] == 1) {
                throw new IllegalArgumentException("invalid grammar: left recursion in rule '"
                        + symbols.entrySet().stream().filter(e -> e.getValue() == r).findFirst().orElseThrow().getKey()
                        + "'");
            }
            state[r] = 1;
            for (List<Element> alt : rules.get(r)) {
                for (Element e : alt) {
                    if (!(e instanceof RuleRef ref)) {
                        break;
                    }
                    leftRecursion(rules, ref.rule(), state, mayBeEmpty);
                    if (!mayBeEmpty[ref.rule()]) {
                        break;
                    }
                }
            }
            state[r] = 2;
        }
    }
}
