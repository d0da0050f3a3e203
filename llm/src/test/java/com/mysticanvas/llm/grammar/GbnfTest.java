package com.mysticanvas.llm.grammar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GbnfTest {
    static String resource(String name) throws IOException {
        try (InputStream in = GbnfTest.class.getResourceAsStream("/gbnf/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"arithmetic.gbnf", "c.gbnf", "chess.gbnf", "english.gbnf", "japanese.gbnf", "json.gbnf",
            "json_arr.gbnf", "list.gbnf"})
    void parsesLlamaCppsExampleGrammars(String file) throws IOException {
        Gbnf grammar = Gbnf.parse(resource(file));
        int produced = 0;
        Random random = new Random(1);
        for (int i = 0; i < 20; i++) {
            String sample = grammar.sample(random, 400);
            if (sample != null) {
                assertThat(grammar.matches(sample)).isTrue();
                produced++;
            }
        }
        assertThat(produced).isPositive();
    }

    @Test
    void jsonGrammarMatchesJsonAndNothingElse() throws IOException {
        Gbnf json = Gbnf.parse(resource("json.gbnf"));
        assertThat(json.matches("{\"a\": [1, 2.5, -3e5, \"x\\n\\u00e9\", true, null, {}]}")).isTrue();
        assertThat(json.matches("{}")).isTrue();
        assertThat(json.matches("{\"a\": }")).isFalse();
        assertThat(json.matches("[1]")).isFalse();
        assertThat(json.matches("{\"a\": 01}")).isFalse();
        assertThat(json.matches("{\"a\": \"unterminated}")).isFalse();
    }

    @Test
    void arithmeticAndListGrammars() throws IOException {
        Gbnf arithmetic = Gbnf.parse(resource("arithmetic.gbnf"));
        assertThat(arithmetic.matches("a+2*(b-3)= 7\n")).isTrue();
        assertThat(arithmetic.matches("a+= 7\n")).isFalse();
        Gbnf list = Gbnf.parse(resource("list.gbnf"));
        assertThat(list.matches("- one\n- two\n")).isTrue();
        assertThat(list.matches("- one\n-two\n")).isFalse();
    }

    @Test
    void repetitionsAndClassesBehaveAsInLlamaCpp() {
        Gbnf g = Gbnf.parse("root ::= \"a\"{2,4} [^x-z]? (\"b\" | \"c\")+ .\n");
        assertThat(g.matches("aab!")).isTrue();
        assertThat(g.matches("aaaaqbcb?")).isTrue();
        assertThat(g.matches("ab!")).isFalse();
        assertThat(g.matches("aaaaab!")).isTrue(); // the fifth a is the [^x-z]
        assertThat(g.matches("aaaaaab!")).isFalse();
        assertThat(g.matches("aayb!")).isFalse();
        assertThat(g.matches("aab")).isFalse();
        Gbnf escapes = Gbnf.parse("root ::= \"\\x41\\u00e9\\U0001F600\\t\" [\\]\\-\\\\]\n");
        assertThat(escapes.matches("Aé😀\t]")).isTrue();
        assertThat(escapes.matches("Aé😀\t-")).isTrue();
        assertThat(escapes.matches("Aé😀\tx")).isFalse();
        Gbnf emptyAlt = Gbnf.parse("root ::= | \"x\"\n");
        assertThat(emptyAlt.matches("")).isTrue();
        assertThat(emptyAlt.matches("x")).isTrue();
    }

    @Test
    void refusesWhatLlamaCppRefuses() {
        assertThatThrownBy(() -> Gbnf.parse("start ::= \"a\"\n")).hasMessageContaining("root");
        assertThatThrownBy(() -> Gbnf.parse("root ::= missing\n")).hasMessageContaining("undefined rule");
        assertThatThrownBy(() -> Gbnf.parse("root ::= root \"a\" | \"b\"\n")).hasMessageContaining("left recursion");
        assertThatThrownBy(() -> Gbnf.parse("root ::= x \"a\"\nx ::= y?\ny ::= root\n"))
                .hasMessageContaining("left recursion");
        assertThatThrownBy(() -> Gbnf.parse("root ::= \"a\"{2001}\n")).hasMessageContaining("2000");
        assertThatThrownBy(() -> Gbnf.parse("root ::= (\"a\"{0,100}){0,30}\n")).hasMessageContaining("2000");
        assertThatThrownBy(() -> Gbnf.parse("root ::= \"\\q\"\n")).hasMessageContaining("unknown escape");
        assertThatThrownBy(() -> Gbnf.parse("root ::= (\"a\"\n")).hasMessageContaining("expecting ')'");
        assertThatThrownBy(() -> Gbnf.parse("root ::= \"a\" ::=\n")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Gbnf.parse("root ::= <think>\n")).hasMessageContaining("token");
        assertThatThrownBy(() -> Gbnf.parse("root ::= *\n")).hasMessageContaining("preceding item");
        // right recursion and a large but legal repetition are fine
        assertThat(Gbnf.parse("root ::= \"a\" root | \"b\"\n").matches("aaab")).isTrue();
        assertThat(Gbnf.parse("root ::= [a]{0,2000}\n").matches("a".repeat(2000))).isTrue();
    }

    @Test
    void samplesAreSentencesAndRepeatable() {
        Gbnf g = Gbnf.parse("root ::= \"[\" item (\",\" item)* \"]\"\nitem ::= [0-9]+ | \"x\"\n");
        String a = g.sample(new Random(7), 100);
        assertThat(a).isNotNull();
        assertThat(g.matches(a)).isTrue();
        assertThat(g.sample(new Random(7), 100)).isEqualTo(a);
    }
}
