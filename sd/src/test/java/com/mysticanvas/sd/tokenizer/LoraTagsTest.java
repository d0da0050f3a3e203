package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.tokenizer.LoraTags.Lora;
import org.junit.jupiter.api.Test;

class LoraTagsTest {
    @Test
    void takesTagsOutAndKeepsTheirOrderAndWeights() {
        LoraTags tags = LoraTags.extract("a cat <lora:detail_tweaker:0.8>, sharp <lora:style v2>");
        assertThat(tags.prompt()).isEqualTo("a cat , sharp ");
        assertThat(tags.loras()).containsExactly(new Lora("detail_tweaker", 0.8f), new Lora("style v2", 1f));
    }

    @Test
    void acceptsLycoAndEqualUnetWeightAndLeavesOtherTags() {
        LoraTags tags = LoraTags.extract("<lyco:x:-0.5:-0.5> <hypernet:h:1> dog");
        assertThat(tags.loras()).containsExactly(new Lora("x", -0.5f));
        assertThat(tags.prompt()).isEqualTo(" <hypernet:h:1> dog");
    }

    @Test
    void aPromptWithoutTagsIsUnchanged() {
        LoraTags tags = LoraTags.extract("(a cat:1.2) <3 <lora:>");
        assertThat(tags.loras()).isEmpty();
        assertThat(tags.prompt()).isEqualTo("(a cat:1.2) <3 <lora:>");
    }

    @Test
    void badTagsAreBadRequests() {
        assertThatThrownBy(() -> LoraTags.extract("<lora:x:strong>")).isInstanceOf(Problem.class)
                .hasMessageContaining("'strong'");
        assertThatThrownBy(() -> LoraTags.extract("<lora: :1>")).isInstanceOf(Problem.class)
                .hasMessageContaining("no name");
        assertThatThrownBy(() -> LoraTags.extract("<lora:x:1:0.5>")).isInstanceOf(Problem.class)
                .hasMessageContaining("one weight");
        assertThatThrownBy(() -> LoraTags.extract("<lora:x:NaN>")).isInstanceOf(Problem.class);
    }
}
