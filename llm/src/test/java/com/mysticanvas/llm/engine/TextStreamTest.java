package com.mysticanvas.llm.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @Test
    void charactersSplitAcrossTokensComeOutWhole() {
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("e4"))).isEmpty();
        assertThat(t.accept(hex("bd"))).isEmpty();
        assertThat(t.accept(hex("a0e5a5"))).isEqualTo("你");
        assertThat(t.accept(hex("bd f09f98 80".replace(" ", "")))).isEqualTo("好😀");
    }

    @Test
    void overlongFormsDecodeAsLlamaCppsGrammarReadsThem() {
        // F0 84 BD A0 is "你" spelled in four bytes: llama.cpp's grammar accepts it for "你".
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("f0")) + t.accept(hex("84")) + t.accept(hex("bd")) + t.accept(hex("a0"))).isEqualTo("你");
        assertThat(t.accept(hex("c1bf"))).isEqualTo("\u007f");
    }

    @Test
    void brokenBytesBecomeReplacementCharactersAndNothingIsLost() {
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("80"))).isEqualTo("\uFFFD");
        assertThat(t.accept(hex("e4bd41"))).isEqualTo("\uFFFDA");
        assertThat(t.accept(hex("eda080"))).as("a UTF-16 surrogate is no character").isEqualTo("\uFFFD");
        assertThat(t.accept(hex("f4908080"))).as("beyond U+10FFFF").isEqualTo("\uFFFD");
        assertThat(t.accept(hex("ff"))).isEqualTo("\uFFFD");
        assertThat(t.accept(hex("e4"))).isEmpty();
        assertThat(t.finish()).isEqualTo("\uFFFD");
    }

    @Test
    void stopStringsAreHeldBackThenCut() {
        TextStream t = new TextStream(List.of("<end>"));
        assertThat(t.accept("hello <e".getBytes())).isEqualTo("hello ");
        assertThat(t.accept("nd> never".getBytes())).isEmpty();
        assertThat(t.stopped()).isTrue();
        TextStream u = new TextStream(List.of("<end>"));
        assertThat(u.accept("a <e".getBytes())).isEqualTo("a ");
        assertThat(u.accept("x".getBytes())).isEqualTo("<ex");
    }
}
