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
        assertThat(tags.loras()).containsExactly(new Lora("detail_tweaker", 0.8f, 0.8f), new Lora("style v2", 1f, 1f));
    }

    @Test
    void acceptsLycoAndSeparateTextEncoderAndUnetWeightsAndLeavesOtherTags() {
        LoraTags tags = LoraTags.extract("<lyco:x:-0.5:-0.5> <hypernet:h:1> dog <lora:y:0.5:1.25> <lora:z:unet=0.3:te=0.7>");
        assertThat(tags.loras()).containsExactly(new Lora("x", -0.5f, -0.5f), new Lora("y", 0.5f, 1.25f),
                new Lora("z", 0.7f, 0.3f));
        assertThat(tags.prompt()).isEqualTo(" <hypernet:h:1> dog  ");
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
        assertThatThrownBy(() -> LoraTags.extract("<lora:x:1:0.5:2>")).isInstanceOf(Problem.class)
                .hasMessageContaining("too many parts");
        assertThatThrownBy(() -> LoraTags.extract("<lora:x:NaN>")).isInstanceOf(Problem.class);
    }
}
