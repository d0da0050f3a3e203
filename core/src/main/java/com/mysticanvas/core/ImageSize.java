package com.mysticanvas.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image's width and height in pixels, read the same way wherever a request names one, so the memory gate in
 * front of a worker and the worker itself never disagree about a body: {@code width} and {@code height} win,
 * OpenAI's {@code size} ("1024x768", or "auto") fills in what they leave out, 512 the rest.
 */
public record ImageSize(int width, int height) {
    public static final ImageSize DEFAULT = new ImageSize(512, 512);
    /** Sides are multiples of this (the VAE's downscale factor). */
    public static final int MULTIPLE = 8;
    public static final int MIN_SIDE = 64;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,6})x(\\d{1,6})");

    /** From a request body of any of our image APIs; a malformed field is bad input that names it. */
    public static ImageSize of(JsonNode body) {
        int width = DEFAULT.width;
        int height = DEFAULT.height;
        String size = JsonFields.text(body, "size", null);
        if (size != null && !size.equals("auto")) {
            Matcher m = SIZE.matcher(size);
            if (!m.matches()) {
                throw Problem.badInput("size must look like 512x512, got '" + size + "'");
            }
            width = Integer.parseInt(m.group(1));
            height = Integer.parseInt(m.group(2));
        }
        return new ImageSize(JsonFields.integer(body, "width", width), JsonFields.integer(body, "height", height));
    }

    /** This size, or bad input naming the first side that is not a multiple of 8 between 64 and {@code maxSide}. */
    public ImageSize checked(int maxSide) {
        side("width", width, maxSide);
        side("height", height, maxSide);
        return this;
    }

    public long pixels() {
        return (long) width * height;
    }

    private static void side(String name, int v, int max) {
        if (v < MIN_SIDE || v > max || v % MULTIPLE != 0) {
            throw Problem.badInput(name + " must be a multiple of " + MULTIPLE + " between " + MIN_SIDE + " and " + max
                    + ", got " + v);
        }
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
