package com.mysticanvas.llm.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Json;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts one JSON Schema into GBNF rules. Every value rule ends with {@code space} (optional whitespace), as
 * in llama.cpp's converter, so separators and closing brackets can follow a value directly. Like llama.cpp,
 * objects take only their declared properties unless {@code additionalProperties} says otherwise; properties
 * are written in the schema's order. Keywords a grammar cannot enforce are refused rather than ignored, so a
 * document the grammar accepts also validates.
 */
final class SchemaConverter {
    private static final int MAX_RULES = 5000;
    private static final int MAX_DEPTH = 64;

    /** Keywords with no grammar equivalent here: refused with a 400 naming them. */
    private static final Set<String> UNSUPPORTED = Set.of("not", "if", "then", "else", "patternProperties",
            "dependentRequired", "dependentSchemas", "dependencies", "contains", "minContains", "maxContains",
            "multipleOf", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef",
            "$recursiveRef");

    /** Built-in rules and the rules each needs. */
    private static final Map<String, String[]> PRIMITIVES = new LinkedHashMap<>();

    static {
        primitive("space", "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}");
        // unicode escapes: any non-surrogate, or a high surrogate followed by a low one (never a lone surrogate)
        primitive("char", "[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\/bfnrt] | \"u\" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | "
                + "[dD] [0-7] [0-9a-fA-F]{2} | [dD] [89abAB] [0-9a-fA-F]{2} \"\\\\u\" [dD] [c-fC-F] [0-9a-fA-F]{2}))");
        primitive("string", "\"\\\"\" char* \"\\\"\" space", "char", "space");
        primitive("integral-part", "[0] | [1-9] [0-9]{0,15}");
        primitive("decimal-part", "[0-9]{1,16}");
        // exponents up to two digits: a double never overflows to infinity, which JSON parsers reject
        primitive("number", "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? [0-9]{1,2})? space",
                "integral-part", "decimal-part", "space");
        primitive("integer", "(\"-\"? integral-part) space", "integral-part", "space");
        primitive("boolean", "(\"true\" | \"false\") space", "space");
        primitive("null", "\"null\" space", "space");
        primitive("value", "object | array | string | number | boolean | null",
                "object", "array", "string", "number", "boolean", "null");
        primitive("object", "\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? "
                + "\"}\" space", "string", "value", "space");
        primitive("array", "\"[\" space ( value (\",\" space value)* )? \"]\" space", "value", "space");
        primitive("date", "[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )");
        primitive("time", "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{1,9} )? "
                + "( [zZ] | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )");
        primitive("date-time", "date [tT] time", "date", "time");
        primitive("uuid", "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
                + "[0-9a-fA-F]{12}");
    }

    private static void primitive(String name, String body, String... deps) {
        String[] entry = new String[deps.length + 1];
        entry[0] = body;
        System.arraycopy(deps, 0, entry, 1, deps.length);
        PRIMITIVES.put(name, entry);
    }

    private static final Set<String> FORMATS = Set.of("date", "time", "date-time", "uuid");

    private final JsonNode rootSchema;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Map<String, String> refRules = new HashMap<>();
    private int depth;

    private SchemaConverter(JsonNode rootSchema) {
        this.rootSchema = rootSchema;
    }

    /** The grammar text; {@code root} first. */
    static String convert(JsonNode schema) {
        return convert(schema, "", "");
    }

    /** The grammar of {@code before}, a document valid under {@code schema}, then {@code after}; {@code root} first. */
    static String convert(JsonNode schema, String before, String after) {
        SchemaConverter c = new SchemaConverter(schema);
        c.rules.put("root", null);
        String value = c.visitBody(schema, "root", "schema");
        c.rules.put("root", before.isEmpty() && after.isEmpty() ? value
                : JsonChars.gbnfLiteral(before) + " (" + value + ") " + JsonChars.gbnfLiteral(after));
        StringBuilder out = new StringBuilder();
        c.rules.forEach((name, body) -> out.append(name).append(" ::= ").append(body).append('\n'));
        return out.toString();
    }

    // ---- hooks for GrammarBuilder: several schemas and literal text in one grammar

    /** A converter whose {@code #...} refs resolve in {@code refRoot}; {@code root} stays the first rule. */
    static SchemaConverter forRefs(JsonNode refRoot) {
        SchemaConverter c = new SchemaConverter(refRoot);
        c.rules.put("root", null);
        return c;
    }

    /** The rule (or built-in) for documents valid under {@code schema}. */
    String valueRule(JsonNode schema, String hint, String where) {
        return visit(schema, hint, where);
    }

    String rule(String hint, String body) {
        return addRule(hint, body);
    }

    /** The grammar text with {@code root ::= rootBody} first. */
    String render(String rootBody) {
        rules.put("root", rootBody);
        StringBuilder out = new StringBuilder();
        rules.forEach((name, body) -> out.append(name).append(" ::= ").append(body).append('\n'));
        return out.toString();
    }

    // ---- rules

    private String addRule(String hint, String body) {
        String base = hint.replaceAll("[^a-zA-Z0-9-]+", "-");
        String name = base;
        for (int i = 0; rules.containsKey(name) && !Objects.equals(rules.get(name), body); i++) {
            name = base + i;
        }
        rules.putIfAbsent(name, body);
        if (rules.size() > MAX_RULES) {
            throw Problem.badInput("JSON schema is too large to turn into a grammar (over " + MAX_RULES
                    + " rules)");
        }
        return name;
    }

    /** The named built-in rule, added with what it needs. */
    private String primitive(String name) {
        if (!rules.containsKey(name)) {
            String[] entry = PRIMITIVES.get(name);
            rules.put(name, entry[0]);
            for (int i = 1; i < entry.length; i++) {
                primitive(entry[i]);
            }
        }
        return name;
    }

    private static boolean isSymbol(String body) {
        return body.matches("[a-zA-Z0-9-]+");
    }

    /** A rule name for the schema's values. */
    private String visit(JsonNode schema, String name, String where) {
        String body = visitBody(schema, name, where);
        return isSymbol(body) ? body : addRule(name, body);
    }

    // ---- schemas

    private String visitBody(JsonNode schema, String name, String where) {
        if (++depth > MAX_DEPTH) {
            throw bad(where, "nests deeper than " + MAX_DEPTH + " levels");
        }
        try {
            return dispatch(schema, name, where);
        } finally {
            depth--;
        }
    }

    private String dispatch(JsonNode schema, String name, String where) {
        if (schema.isBoolean()) {
            if (schema.booleanValue()) {
                return primitive("value");
            }
            throw bad(where, "is false: no value satisfies it");
        }
        if (!(schema instanceof ObjectNode s)) {
            throw bad(where, "must be a JSON Schema (an object or a boolean)");
        }
        for (String keyword : UNSUPPORTED) {
            if (s.has(keyword)) {
                throw bad(where + "." + keyword, "is not supported by grammar-constrained output");
            }
        }
        if (s.path("uniqueItems").asBoolean(false)) {
            throw bad(where + ".uniqueItems", "is not supported by grammar-constrained output");
        }
        if (s.has("$ref")) {
            ObjectNode rest = s.deepCopy();
            rest.remove("$ref");
            removeAnnotations(rest);
            if (rest.isEmpty()) {
                return ref(s.get("$ref"), where + ".$ref");
            }
            ObjectNode both = Json.object();
            ArrayNode all = both.putArray("allOf");
            all.addObject().set("$ref", s.get("$ref"));
            all.add(rest);
            return dispatch(both, name, where);
        }
        if (s.path("nullable").asBoolean(false)) {
            ObjectNode inner = s.deepCopy();
            inner.remove("nullable");
            return visit(inner, name + "-value", where) + " | " + primitive("null");
        }
        if (s.has("const") || s.has("enum")) {
            return enumeration(s, where);
        }
        if (s.has("allOf")) {
            return visitBody(mergeAllOf(s, where), name, where + ".allOf");
        }
        for (String key : List.of("anyOf", "oneOf")) {
            if (s.has(key)) {
                return alternatives(s, key, name, where);
            }
        }
        JsonNode type = s.get("type");
        if (type != null && type.isArray()) {
            if (type.isEmpty()) {
                throw bad(where + ".type", "is an empty list");
            }
            List<String> alts = new ArrayList<>();
            for (JsonNode t : type) {
                ObjectNode one = s.deepCopy();
                one.set("type", t);
                alts.add(visit(one, name + "-" + t.asText(), where));
            }
            return String.join(" | ", alts);
        }
        String t = type == null ? inferType(s) : type.asText();
        return switch (t) {
            case "object" -> object(s, name, where);
            case "array" -> array(s, name, where);
            case "string" -> string(s, name, where);
            case "integer" -> integer(s, where);
            case "number" -> number(s, where);
            case "boolean" -> primitive("boolean");
            case "null" -> primitive("null");
            case "any" -> primitive("value");
            default -> throw bad(where + ".type", "'" + t + "' is not a JSON Schema type");
        };
    }

    private static void removeAnnotations(ObjectNode s) {
        for (String a : List.of("title", "description", "default", "examples", "$comment", "$schema", "$id",
                "readOnly", "writeOnly", "deprecated", "$defs", "definitions")) {
            s.remove(a);
        }
    }

    private static String inferType(ObjectNode s) {
        if (s.has("properties") || s.has("additionalProperties") || s.has("required")
                || s.has("minProperties") || s.has("maxProperties")) {
            return "object";
        }
        if (s.has("items") || s.has("prefixItems") || s.has("minItems") || s.has("maxItems")) {
            return "array";
        }
        if (s.has("pattern") || s.has("minLength") || s.has("maxLength") || s.has("format")) {
            return "string";
        }
        if (s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum") || s.has("exclusiveMaximum")) {
            return "number";
        }
        return "any";
    }

    /** Keywords that may stand beside {@code enum}/{@code const}: the values are checked against {@code type}. */
    private static final Set<String> BESIDE_ENUM = Set.of("enum", "const", "type", "title", "description", "default",
            "examples", "$comment", "$schema", "$id", "$defs", "definitions", "readOnly", "writeOnly", "deprecated");

    /** The allowed values, each written as its JSON text; those of the wrong type left out. */
    private String enumeration(ObjectNode s, String where) {
        for (Map.Entry<String, JsonNode> e : s.properties()) {
            if (!BESIDE_ENUM.contains(e.getKey())) {
                throw bad(where + "." + e.getKey(), "combined with enum/const is not supported");
            }
        }
        List<JsonNode> values = new ArrayList<>();
        if (s.has("const")) {
            // with an enum beside it (allOf), the const must also be one of the enum's values
            boolean listed = !s.has("enum") || (s.get("enum").isArray()
                    && java.util.stream.StreamSupport.stream(s.get("enum").spliterator(), false)
                    .anyMatch(v -> v.equals(s.get("const"))));
            if (listed) {
                values.add(s.get("const"));
            }
        } else if (s.get("enum").isArray()) {
            s.get("enum").forEach(values::add);
        }
        if (values.isEmpty()) {
            throw bad(where + (s.has("const") ? ".const" : ".enum"), s.has("const")
                    ? "is not among the enum values: no value satisfies both" : "must be a non-empty array");
        }
        Set<String> alts = new LinkedHashSet<>();
        for (JsonNode v : values) {
            if (ofType(v, s.get("type"))) {
                alts.add(literal(v));
            }
        }
        if (alts.isEmpty()) {
            throw bad(where, "allows no value: none of its enum/const values has the type " + s.get("type"));
        }
        return alts.size() == 1 ? alts.iterator().next() : "(" + String.join(" | ", alts) + ")";
    }

    /** Whether a value has the JSON Schema type (or one of the types; any when there is none). */
    private static boolean ofType(JsonNode value, JsonNode type) {
        if (type == null) {
            return true;
        }
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (ofType(value, t)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            default -> false;
        };
    }

    /** A JSON value written exactly as its compact JSON text. */
    private String literal(JsonNode value) {
        return JsonChars.gbnfLiteral(Json.write(value)) + " " + primitive("space");
    }

    private String alternatives(ObjectNode s, String key, String name, String where) {
        JsonNode alts = s.get(key);
        if (!alts.isArray() || alts.isEmpty()) {
            throw bad(where + "." + key, "must be a non-empty array");
        }
        ObjectNode siblings = s.deepCopy();
        siblings.remove(key);
        removeAnnotations(siblings);
        List<String> rulesOut = new ArrayList<>();
        for (int i = 0; i < alts.size(); i++) {
            JsonNode alt = alts.get(i);
            if (!siblings.isEmpty()) {
                ObjectNode both = Json.object();
                both.putArray("allOf").add(siblings).add(alt);
                alt = both;
            }
            rulesOut.add(visit(alt, name + "-" + i, where + "." + key + "[" + i + "]"));
        }
        return String.join(" | ", rulesOut);
    }

    // ---- $ref and allOf

    private String ref(JsonNode refNode, String where) {
        if (!refNode.isTextual()) {
            throw bad(where, "must be a string");
        }
        String ref = refNode.asText();
        if (refRules.containsKey(ref)) {
            return refRules.get(ref);
        }
        JsonNode target = resolve(ref, where);
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        String name = addRule("def-" + (last.isEmpty() || last.equals("#") ? "root" : last), "\"\"");
        refRules.put(ref, name);
        rules.put(name, visitBody(target, name, where + "(" + ref + ")"));
        return name;
    }

    private JsonNode resolve(String ref, String where) {
        if (!ref.startsWith("#")) {
            throw bad(where, "'" + ref + "' is not a local reference; only refs into this schema (#/$defs/...) are"
                    + " supported");
        }
        String pointer = URLDecoder.decode(ref.substring(1), StandardCharsets.UTF_8);
        JsonNode target = pointer.isEmpty() ? rootSchema : rootSchema.at(pointer);
        if (target == null || target.isMissingNode()) {
            throw bad(where, "'" + ref + "' does not resolve to anything in the schema");
        }
        return target;
    }

    /** allOf of simple schemas as one schema: properties and required united, bounds tightened. */
    private ObjectNode mergeAllOf(ObjectNode s, String where) {
        JsonNode parts = s.get("allOf");
        if (!parts.isArray() || parts.isEmpty()) {
            throw bad(where + ".allOf", "must be a non-empty array");
        }
        ObjectNode merged = s.deepCopy();
        merged.remove("allOf");
        List<ObjectNode> resolved = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String at = where + ".allOf[" + i + "]";
            JsonNode part = parts.get(i);
            for (int hops = 0; part.has("$ref"); hops++) {
                if (hops > MAX_DEPTH) {
                    throw bad(at, "$refs loop");
                }
                ObjectNode target = objectSchema(resolve(part.get("$ref").asText(), at), at).deepCopy();
                ObjectNode rest = ((ObjectNode) part).deepCopy();
                rest.remove("$ref");
                if (!rest.isEmpty()) {
                    target = mergeInto(target, rest, at);
                }
                part = target;
            }
            ObjectNode p = objectSchema(part, at);
            if (p.has("allOf")) {
                p = mergeAllOf(p, at);
            }
            resolved.add(p);
            merged = mergeInto(merged, p, at);
        }
        checkAdditionalProperties(resolved, where);
        return merged;
    }

    /**
     * In allOf, one part's additionalProperties also judges the properties only other parts declare; merging
     * would lose that, so such combinations are refused.
     */
    private void checkAdditionalProperties(List<ObjectNode> parts, String where) {
        for (ObjectNode p : parts) {
            JsonNode additional = p.get("additionalProperties");
            if (additional == null || (additional.isBoolean() && additional.booleanValue())) {
                continue;
            }
            for (ObjectNode other : parts) {
                for (Map.Entry<String, JsonNode> prop : other.path("properties").properties()) {
                    if (!p.path("properties").has(prop.getKey())) {
                        throw bad(where + ".allOf", "combines objects where one restricts additionalProperties and "
                                + "another declares '" + prop.getKey() + "'; this is not supported");
                    }
                }
            }
        }
    }

    private ObjectNode objectSchema(JsonNode node, String where) {
        if (node.isBoolean() && node.booleanValue()) {
            return Json.object();
        }
        if (!(node instanceof ObjectNode o)) {
            throw bad(where, "must be a JSON Schema object to be combined with allOf");
        }
        return o;
    }

    private ObjectNode mergeInto(ObjectNode into, ObjectNode part, String where) {
        ObjectNode out = into.deepCopy();
        for (Map.Entry<String, JsonNode> e : part.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            JsonNode existing = out.get(key);
            if (existing == null || existing.equals(value)) {
                out.set(key, value);
                continue;
            }
            switch (key) {
                case "properties" -> {
                    ObjectNode props = existing.deepCopy();
                    value.properties().forEach(p -> {
                        if (props.has(p.getKey()) && !props.get(p.getKey()).equals(p.getValue())) {
                            ObjectNode both = Json.object();
                            both.putArray("allOf").add(props.get(p.getKey())).add(p.getValue());
                            props.set(p.getKey(), both);
                        } else {
                            props.set(p.getKey(), p.getValue());
                        }
                    });
                    out.set(key, props);
                }
                case "required" -> {
                    Set<String> union = new LinkedHashSet<>();
                    existing.forEach(r -> union.add(r.asText()));
                    value.forEach(r -> union.add(r.asText()));
                    ArrayNode arr = out.putArray("required");
                    union.forEach(arr::add);
                }
                case "type" -> {
                    if (Set.of(existing.asText(), value.asText()).equals(Set.of("integer", "number"))) {
                        out.put("type", "integer");
                    } else {
                        throw bad(where + ".type", "conflicts with another part of allOf ("
                                + existing + " and " + value + ")");
                    }
                }
                case "minimum", "minLength", "minItems", "exclusiveMinimum" ->
                        out.set(key, existing.asDouble() >= value.asDouble() ? existing : value);
                case "maximum", "maxLength", "maxItems", "exclusiveMaximum" ->
                        out.set(key, existing.asDouble() <= value.asDouble() ? existing : value);
                case "additionalProperties" -> out.set(key, existing.isBoolean() && !existing.booleanValue()
                        ? existing : value);
                case "title", "description", "default", "examples", "$comment", "$defs", "definitions" -> { }
                default -> throw bad(where + "." + key, "differs between parts of allOf; combining them is not"
                        + " supported");
            }
        }
        return out;
    }

    // ---- objects

    private String object(ObjectNode s, String name, String where) {
        JsonNode props = s.get("properties");
        if (props != null && !props.isObject()) {
            throw bad(where + ".properties", "must be an object");
        }
        JsonNode additional = s.get("additionalProperties");
        if (props == null && additional == null && !s.has("required")) {
            return primitive("object");
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) {
                throw bad(where + ".required", "must be an array of property names");
            }
            req.forEach(r -> required.add(r.asText()));
        }
        Map<String, JsonNode> declared = new LinkedHashMap<>();
        if (props != null) {
            props.properties().forEach(e -> declared.put(e.getKey(), e.getValue()));
        }
        String extraValue = null;
        if (additional != null && !(additional.isBoolean() && !additional.booleanValue())) {
            extraValue = additional.isBoolean() || additional.isEmpty() ? primitive("value")
                    : visit(additional, name + "-additional", where + ".additionalProperties");
        }
        for (String r : required) {
            if (!declared.containsKey(r)) {
                if (extraValue == null) {
                    throw bad(where + ".required", "names '" + r + "', which is not among the properties");
                }
                declared.put(r, additional.isBoolean() ? Json.MAPPER.getNodeFactory().booleanNode(true) : additional);
            }
        }
        checkPropertyCounts(s, declared.size(), required.size(), extraValue != null, where);
        List<String> keys = new ArrayList<>(declared.keySet());
        List<String> kvs = new ArrayList<>();
        for (String key : keys) {
            String value = visit(declared.get(key), name + "-" + key, where + ".properties." + key);
            kvs.add(addRule(name + "-" + key + "-kv", JsonChars.gbnfLiteral(Json.write(key)) + " "
                    + primitive("space") + " \":\" " + primitive("space") + " " + value));
        }
        String extraKv = extraValue == null ? null : addRule(name + "-extra-kv",
                keyNotIn(declared.keySet(), name) + " \":\" " + primitive("space") + " " + extraValue);
        String members = members(keys, required, kvs, extraKv, name);
        return "\"{\" " + primitive("space") + (members.isEmpty() ? "" : " " + members) + " \"}\" "
                + primitive("space");
    }

    private void checkPropertyCounts(ObjectNode s, int declared, int required, boolean extra, String where) {
        if (s.has("minProperties") && s.get("minProperties").asInt() > required) {
            throw bad(where + ".minProperties", "above the number of required properties is not supported");
        }
        if (s.has("maxProperties") && (extra || s.get("maxProperties").asInt() < declared)) {
            throw bad(where + ".maxProperties", "below the number of possible properties is not supported");
        }
    }

    /**
     * The members between the braces. Once one member is written, each later one comes with its comma
     * ({@code after-i}: optional ones optional); before that, the first present member has no comma
     * ({@code from-i}: an alternation when member i is optional). Both chains are rules, built from the end.
     */
    private String members(List<String> keys, Set<String> required, List<String> kvs, String extraKv, String name) {
        int n = keys.size();
        String[] after = new String[n + 1];
        after[n] = extraKv == null ? "" : moreExtra(extraKv);
        for (int i = n - 1; i >= 1; i--) {
            String item = "\",\" " + primitive("space") + " " + kvs.get(i);
            String here = required.contains(keys.get(i)) ? item : "(" + item + ")?";
            after[i] = addRule(name + "-after-" + i, here + (after[i + 1].isEmpty() ? "" : " " + after[i + 1]));
        }
        // before the first required member, each optional one may be the first written
        int firstRequired = 0;
        while (firstRequired < n && !required.contains(keys.get(firstRequired))) {
            firstRequired++;
        }
        String first = firstRequired < n ? present(kvs, after, firstRequired)
                : extraKv == null ? "" : "(" + extraKv + " " + moreExtra(extraKv) + ")?";
        for (int i = firstRequired - 1; i >= 0; i--) {
            first = addRule(name + "-from-" + i, present(kvs, after, i) + " | " + (first.isEmpty() ? "\"\"" : first));
        }
        return first;
    }

    private static String present(List<String> kvs, String[] after, int i) {
        return kvs.get(i) + (after[i + 1].isEmpty() ? "" : " " + after[i + 1]);
    }

    private String moreExtra(String extraKv) {
        return "(\",\" " + primitive("space") + " " + extraKv + ")*";
    }

    /**
     * A JSON string key that is none of {@code declared} (so an extra property cannot repeat a declared one):
     * a trie of the declared names, leaving it at the first character that differs.
     */
    private String keyNotIn(Set<String> declared, String name) {
        boolean plain = declared.stream().allMatch(k -> k.codePoints().noneMatch(c -> c < 0x20 || c == '"'
                || c == '\\' || c == 0x7f));
        if (declared.isEmpty() || !plain) {
            return primitive("string");
        }
        Trie trie = new Trie();
        declared.forEach(trie::add);
        return "\"\\\"\" " + trieRule(trie, name + "-key", 0) + " " + primitive("space");
    }

    private static final class Trie {
        final TreeMap<Integer, Trie> children = new TreeMap<>();
        boolean terminal;

        void add(String word) {
            Trie t = this;
            for (int c : word.codePoints().toArray()) {
                t = t.children.computeIfAbsent(c, k -> new Trie());
            }
            t.terminal = true;
        }
    }

    private String trieRule(Trie t, String name, int depth) {
        List<String> alts = new ArrayList<>();
        for (Map.Entry<Integer, Trie> child : t.children.entrySet()) {
            alts.add(JsonChars.gbnfLiteral(new String(Character.toChars(child.getKey()))) + " "
                    + trieRule(child.getValue(), name + "-" + depth, depth + 1));
        }
        List<Integer> excluded = new ArrayList<>();
        for (int c : t.children.keySet()) {
            excluded.add(c);
            excluded.add(c);
        }
        for (int c : new int[] {'"', '"', '\\', '\\', 0, 0x1f, 0x7f, 0x7f}) {
            excluded.add(c);
        }
        String other = "(" + JsonChars.gbnfClass(excluded, true) + " | [\\\\] [\"\\\\/bfnrt]) "
                + primitive("char") + "*";
        alts.add(other + " \"\\\"\"");
        if (!t.terminal) {
            alts.add("\"\\\"\"");
        }
        return addRule(name, String.join(" | ", alts));
    }

    // ---- arrays

    private String array(ObjectNode s, String name, String where) {
        List<JsonNode> prefix = new ArrayList<>();
        JsonNode items = s.get("items");
        JsonNode prefixItems = s.get("prefixItems");
        JsonNode rest = items;
        if (prefixItems != null) {
            if (!prefixItems.isArray()) {
                throw bad(where + ".prefixItems", "must be an array of schemas");
            }
            prefixItems.forEach(prefix::add);
        } else if (items != null && items.isArray()) {
            items.forEach(prefix::add);
            rest = s.get("additionalItems");
        }
        long min = count(s, "minItems", 0, where);
        long max = count(s, "maxItems", -1, where);
        boolean restForbidden = rest != null && rest.isBoolean() && !rest.booleanValue();
        if (restForbidden) {
            max = max < 0 ? prefix.size() : Math.min(max, prefix.size());
        }
        if (max >= 0 && min > max) {
            throw bad(where, "has minItems above maxItems: no array satisfies it");
        }
        if (prefix.isEmpty() && items == null && !s.has("minItems") && !s.has("maxItems")) {
            return primitive("array");
        }
        List<String> prefixRules = new ArrayList<>();
        for (int i = 0; i < prefix.size(); i++) {
            prefixRules.add(visit(prefix.get(i), name + "-" + i, where + ".prefixItems[" + i + "]"));
        }
        String restRule = restForbidden ? null
                : rest == null ? primitive("value") : visit(rest, name + "-item", where + ".items");
        String elements = elements(prefixRules, restRule, 0, min, max, name);
        return "\"[\" " + primitive("space") + (elements.isEmpty() ? "" : " " + elements) + " \"]\" "
                + primitive("space");
    }

    /** Elements from index i on: the first without a comma; those at or past minItems optional. */
    private String elements(List<String> prefix, String restRule, int i, long min, long max, String name) {
        if (max >= 0 && i >= max) {
            return "";
        }
        String comma = i == 0 ? "" : "\",\" " + primitive("space") + " ";
        if (i < prefix.size()) {
            String here = comma + prefix.get(i);
            String more = elements(prefix, restRule, i + 1, min, max, name);
            String seq = more.isEmpty() ? here : here + " " + more;
            return i < min ? seq : "(" + seq + ")?";
        }
        if (restRule == null) {
            return "";
        }
        long restMin = Math.max(0, min - i);
        long restMax = max < 0 ? -1 : max - i;
        if (i == 0) {
            String next = addRule(name + "-next", "\",\" " + primitive("space") + " " + restRule);
            String tail = Repetition.of(next, Math.max(0, restMin - 1), restMax < 0 ? -1 : restMax - 1,
                    this::addRule, name);
            String seq = tail.isEmpty() ? restRule : restRule + " " + tail;
            return restMin >= 1 ? seq : "(" + seq + ")?";
        }
        String next = addRule(name + "-next", "\",\" " + primitive("space") + " " + restRule);
        return Repetition.of(next, restMin, restMax, this::addRule, name);
    }

    private long count(ObjectNode s, String key, long fallback, String where) {
        JsonNode v = s.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToLong() || v.asLong() < 0 || !v.isIntegralNumber() && v.asDouble() != v.asLong()) {
            throw bad(where + "." + key, "must be a non-negative integer");
        }
        return v.asLong();
    }

    // ---- strings

    private String string(ObjectNode s, String name, String where) {
        String quote = "\"\\\"\"";
        String format = s.path("format").asText(null);
        boolean knownFormat = format != null && FORMATS.contains(format);
        boolean lengths = s.has("minLength") || s.has("maxLength");
        if (s.has("pattern")) {
            if (lengths || knownFormat) {
                throw bad(where + ".pattern", "combined with " + (lengths ? "minLength/maxLength" : "format")
                        + " is not supported");
            }
            String pattern = s.get("pattern").asText();
            try {
                String body = PatternGrammar.translate(pattern, new PatternGrammar.Rules() {
                    @Override
                    public String add(String hint, String body) {
                        return addRule(hint, body);
                    }

                    @Override
                    public String anyChar() {
                        return primitive("char");
                    }
                }, name + "-pattern");
                return quote + " " + addRule(name + "-pattern", body) + " " + quote + " " + primitive("space");
            } catch (PatternGrammar.UnsupportedPatternException | IllegalArgumentException e) {
                throw bad(where + ".pattern", e.getMessage());
            }
        }
        if (knownFormat) {
            if (lengths) {
                throw bad(where + ".format", "'" + format + "' combined with minLength/maxLength is not supported");
            }
            return quote + " " + primitive(format) + " " + quote + " " + primitive("space");
        }
        if (!lengths) {
            return primitive("string");
        }
        long min = count(s, "minLength", 0, where);
        long max = count(s, "maxLength", -1, where);
        if (max >= 0 && min > max) {
            throw bad(where, "has minLength above maxLength: no string satisfies it");
        }
        try {
            String chars = Repetition.of(primitive("char"), min, max, this::addRule, name);
            return quote + (chars.isEmpty() ? "" : " " + chars) + " " + quote + " " + primitive("space");
        } catch (IllegalArgumentException e) {
            throw bad(where, e.getMessage());
        }
    }

    // ---- numbers

    private record Bound(Long value, boolean exclusive) {}

    private Bound bound(ObjectNode s, boolean lower, boolean integer, String where) {
        String inclusiveKey = lower ? "minimum" : "maximum";
        String exclusiveKey = lower ? "exclusiveMinimum" : "exclusiveMaximum";
        JsonNode inclusive = s.get(inclusiveKey);
        JsonNode exclusive = s.get(exclusiveKey);
        Double value = null;
        boolean isExclusive = false;
        if (inclusive != null && inclusive.isNumber()) {
            value = inclusive.asDouble();
            isExclusive = exclusive != null && exclusive.isBoolean() && exclusive.booleanValue(); // draft 4
        }
        if (exclusive != null && exclusive.isNumber()) {
            double e = exclusive.asDouble();
            if (value == null || (lower ? e >= value : e <= value)) {
                value = e;
                isExclusive = true;
            }
        }
        if (value == null) {
            return new Bound(null, false);
        }
        if (Math.abs(value) > 1e18) {
            throw bad(where + "." + inclusiveKey, "is too large");
        }
        if (integer) {
            // the nearest integer inside the bound
            double v = lower ? (isExclusive ? Math.floor(value) + 1 : Math.ceil(value))
                    : (isExclusive ? Math.ceil(value) - 1 : Math.floor(value));
            return new Bound((long) v, false);
        }
        if (value != Math.rint(value)) {
            throw bad(where + "." + (isExclusive ? exclusiveKey : inclusiveKey), "must be a whole number for type"
                    + " 'number' (fractional bounds are not supported)");
        }
        return new Bound(value.longValue(), isExclusive);
    }

    private String integer(ObjectNode s, String where) {
        Bound min = bound(s, true, true, where);
        Bound max = bound(s, false, true, where);
        if (min.value() == null && max.value() == null) {
            return primitive("integer");
        }
        try {
            return "(" + NumberRanges.integers(min.value(), max.value()) + ") " + primitive("space");
        } catch (IllegalArgumentException e) {
            throw bad(where, e.getMessage());
        }
    }

    private String number(ObjectNode s, String where) {
        Bound min = bound(s, true, false, where);
        Bound max = bound(s, false, false, where);
        if (min.value() == null && max.value() == null) {
            return primitive("number");
        }
        try {
            return "(" + NumberRanges.decimals(min.value(), min.exclusive(), max.value(), max.exclusive()) + ") "
                    + primitive("space");
        } catch (IllegalArgumentException e) {
            throw bad(where, e.getMessage());
        }
    }

    private static Problem bad(String where, String problem) {
        return Problem.badInput("unsupported or invalid JSON schema: " + where + " " + problem);
    }
}
