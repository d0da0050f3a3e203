package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.tokenizer.PromptAttention.Break;
import com.mysticanvas.sd.tokenizer.PromptAttention.Text;
import org.junit.jupiter.api.Test;

/** The examples in A1111's parse_prompt_attention documentation, weights compared exactly. */
class PromptAttentionTest {
    @Test
    void plainTextHasWeightOne() {
        assertThat(PromptAttention.parse("normal text")).containsExactly(new Text("normal text", 1.0));
        assertThat(PromptAttention.parse("")).containsExactly(new Text("", 1.0));
    }

    @Test
    void roundBracketsMultiplyByOnePointOne() {
        assertThat(PromptAttention.parse("an (important) word"))
                .containsExactly(new Text("an ", 1.0), new Text("important", 1.1), new Text(" word", 1.0));
        assertThat(PromptAttention.parse("(unnecessary)(parens)")).containsExactly(new Text("unnecessaryparens", 1.1));
    }

    @Test
    void unbalancedBracketsApplyToTheRest() {
        assertThat(PromptAttention.parse("(unbalanced")).containsExactly(new Text("unbalanced", 1.1));
        assertThat(PromptAttention.parse("a [b")).containsExactly(new Text("a ", 1.0), new Text("b", 1 / 1.1));
        assertThat(PromptAttention.parse("x)y]")).containsExactly(new Text("x)y]", 1.0));
    }

    @Test
    void escapesAreLiteral() {
        assertThat(PromptAttention.parse("\\(literal\\]")).containsExactly(new Text("(literal]", 1.0));
        assertThat(PromptAttention.parse("a \\\\ b")).containsExactly(new Text("a \\ b", 1.0));
    }

    @Test
    void nestedWeightsMultiply() {
        assertThat(PromptAttention.parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).")).containsExactly(
                new Text("a ", 1.0),
                new Text("house", 1.5730000000000004),
                new Text(" ", 1.1),
                new Text("on", 1.0),
                new Text(" a ", 1.1),
                new Text("hill", 0.55),
                new Text(", sun, ", 1.1),
                new Text("sky", 1.4641000000000006),
                new Text(".", 1.1));
    }

    @Test
    void explicitWeightsAllowSpacesAndSigns() {
        assertThat(PromptAttention.parse("(cat: 1.5 ) (dog:-0.5)")).containsExactly(
                new Text("cat", 1.5), new Text(" ", 1.0), new Text("dog", -0.5));
        assertThat(PromptAttention.parse("time: 5pm")).containsExactly(new Text("time: 5pm", 1.0));
    }

    @Test
    void breakSplitsWindows() {
        assertThat(PromptAttention.parse("a cat BREAK a dog")).containsExactly(
                new Text("a cat", 1.0), new Break(), new Text("a dog", 1.0));
        assertThat(PromptAttention.parse("BREAKFAST")).containsExactly(new Text("BREAKFAST", 1.0));
    }

    @Test
    void aWeightThatIsNotANumberIsABadRequest() {
        assertThatThrownBy(() -> PromptAttention.parse("(cat:1.2.3)"))
                .isInstanceOf(Problem.class).hasMessageContaining("1.2.3");
    }
}
