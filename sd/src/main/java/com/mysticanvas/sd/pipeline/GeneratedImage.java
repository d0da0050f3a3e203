package com.mysticanvas.sd.pipeline;

import java.util.List;

/**
 * One finished image: PNG bytes (with the A1111 {@code parameters} text chunk), its size and seed, and what its
 * maker should know about how it was made (LoRA keys that matched no layer of the checkpoint, say).
 */
public record GeneratedImage(byte[] png, RgbImage pixels, long seed, String parameters, List<String> warnings) {
    public GeneratedImage {
        warnings = List.copyOf(warnings);
    }
}
