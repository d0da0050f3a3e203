package com.mysticanvas.sd.image;

import java.util.Map;

/** PNG encode/decode with tEXt chunks (A1111 writes its generation settings in {@code parameters}). CONTRACT (sd-maths). */
public final class Png {
    private Png() {}

    /** Encodes 8-bit RGB pixels ({@code rgb} = width*height*3, row-major) with the given tEXt chunks. */
    public static byte[] encode(byte[] rgb, int width, int height, Map<String, String> text) {
        throw new UnsupportedOperationException("PNG not implemented yet (issue 6)");
    }

    /** The tEXt chunks of a PNG file. */
    public static Map<String, String> readText(byte[] png) {
        throw new UnsupportedOperationException("PNG not implemented yet (issue 6)");
    }
}
