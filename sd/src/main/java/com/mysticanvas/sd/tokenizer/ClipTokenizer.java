package com.mysticanvas.sd.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * CLIP's byte-level BPE tokenizer. CONTRACT (sd-maths implements, sd-graphs calls).
 * {@code encode("a photo of a cat")} gives {@code 320, 1125, 539, 320, 2368} (no start/end tokens).
 */
public final class ClipTokenizer {
    private ClipTokenizer() {}

    /** The merges file shipped in the sd module's resources (OpenAI CLIP, MIT). */
    public static ClipTokenizer bundled() {
        throw new UnsupportedOperationException("CLIP tokenizer not implemented yet (issue 6)");
    }

    /** From a folder holding vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt(.gz). */
    public static ClipTokenizer load(Path dir) throws IOException {
        throw new UnsupportedOperationException("CLIP tokenizer not implemented yet (issue 6)");
    }

    /** Token ids of the text, lower-cased and cleaned as CLIP does, without start/end tokens. */
    public int[] encode(String text) {
        throw new UnsupportedOperationException("CLIP tokenizer not implemented yet (issue 6)");
    }

    public int startToken() {
        return 49406;
    }

    public int endToken() {
        return 49407;
    }
}
