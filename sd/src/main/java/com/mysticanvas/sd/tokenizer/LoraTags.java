package com.mysticanvas.sd.tokenizer;

import java.util.List;

/**
 * A1111's {@code <lora:name:0.8>} tags taken out of a prompt. CONTRACT (sd-maths).
 *
 * @param prompt the prompt without the tags
 * @param loras  the tags in order; weight 1.0 when omitted
 */
public record LoraTags(String prompt, List<Lora> loras) {
    public record Lora(String name, float weight) {}

    public static LoraTags extract(String prompt) {
        throw new UnsupportedOperationException("LoRA tags not implemented yet (issue 6)");
    }
}
