package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.sd.tokenizer.ComposablePrompt.Part;
import org.junit.jupiter.api.Test;

/** Prompts split as A1111's get_multicond_prompt_list splits them (its re_AND and re_weight, quirks and all). */
class ComposablePromptTest {
    @Test
    void partsAndTheirWeights() {
        assertThat(ComposablePrompt.of("a cat AND a dog :1.5").parts())
                .containsExactly(new Part("a cat", 1f), new Part(" a dog", 1.5f));
        assertThat(ComposablePrompt.of("castle AND sunset:-0.5 AND fog : .25").parts())
                .containsExactly(new Part("castle", 1f), new Part(" sunset", -0.5f), new Part(" fog", 0.25f));
        assertThat(ComposablePrompt.of("(masterpiece:1.2), a cat").parts()).as("emphasis is not a part's weight")
                .containsExactly(new Part("(masterpiece:1.2), a cat", 1f));
        assertThat(ComposablePrompt.of("ANDROID, HANDS and feet").plain()).as("AND as a word only, in capitals").isTrue();
        assertThat(ComposablePrompt.of("a cat :0.5").parts()).as("a weight without AND").containsExactly(new Part("a cat", 0.5f));
        assertThat(ComposablePrompt.of("photo, 16:9").parts()).as("A1111 reads a trailing ratio as a weight too")
                .containsExactly(new Part("photo, 16", 9f));
        assertThat(ComposablePrompt.of("a AND").parts()).containsExactly(new Part("a", 1f), new Part("", 1f));
        assertThat(ComposablePrompt.of("[red:blue:5] fox AND sky").parts().getFirst().text()).isEqualTo("[red:blue:5] fox");
    }
}
