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
    void aLeadByteTakesTheBytesAfterItInItsPieceWhateverTheyAre() {
        // llama.cpp's grammar reads E4 BD 41 in one piece as one character, (4 << 12 | 0x3D << 6 | 0x01) = U+4F41.
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("e4bd41"))).isEqualTo("\u4f41");
        assertThat(t.accept(hex("c1bf22"))).as("an overlong DEL, then a quote").isEqualTo("\u007f\"");
    }

    @Test
    void f8ToFfLeadFourBytesAndMakeOneReplacementCharacter() {
        // The CI failure: F8 and three continuation pieces is one code point beyond U+10FFFF to llama.cpp's
        // grammar, so it counted one character against maxLength; four U+FFFD broke the schema.
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("41f8")) + t.accept(hex("80")) + t.accept(hex("80")) + t.accept(hex("8042")))
                .isEqualTo("A\uFFFDB");
        assertThat(t.accept(hex("ff bf bf bf".replace(" ", "")))).isEqualTo("\uFFFD");
    }

    @Test
    void aPieceEndsAtItsFirstNulAsLlamaCppReadsIt() {
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("41004243"))).isEqualTo("A");
        assertThat(t.accept(hex("00"))).isEmpty();
        assertThat(t.accept(hex("44"))).isEqualTo("D");
    }

    @Test
    void whatAGrammarWouldRefuseBecomesReplacementCharactersAndNothingIsLost() {
        TextStream t = new TextStream(List.of());
        assertThat(t.accept(hex("80"))).as("a stray continuation byte").isEqualTo("\uFFFD");
        assertThat(t.accept(hex("e4")) + t.accept(hex("41"))).as("a lead the next piece does not continue").isEqualTo("\uFFFDA");
        assertThat(t.accept(hex("eda080"))).as("a UTF-16 surrogate is no character").isEqualTo("\uFFFD");
        assertThat(t.accept(hex("f4908080"))).as("beyond U+10FFFF").isEqualTo("\uFFFD");
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
