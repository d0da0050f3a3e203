package com.mysticanvas.sd.pipeline;

/** One finished image: PNG bytes (with the A1111 {@code parameters} text chunk), its size and seed. */
public record GeneratedImage(byte[] png, RgbImage pixels, long seed, String parameters) {}
