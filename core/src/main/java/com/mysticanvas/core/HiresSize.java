package com.mysticanvas.core;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where A1111's hires fix takes a first pass: the size it is upscaled to, and the size left after cropping the
 * centre when {@code hr_resize_x} and {@code hr_resize_y} ask for another aspect (A1111's {@code hr_upscale_to_x/y}
 * and {@code truncate_x/y}). Sides are whole latent cells (multiples of 8): A1111 floors them there too, in the
 * latent it makes.
 *
 * @param upscaled what the first pass is upscaled to
 * @param cropped  what the second pass makes: {@code upscaled} less the crop
 */
public record HiresSize(ImageSize upscaled, ImageSize cropped) {
    /** A1111's default {@code hr_scale}. */
    public static final double DEFAULT_SCALE = 2.0;

    /**
     * The sizes for a first pass of {@code first}: {@code scale} times it when both resize sides are 0; one side 0
     * keeps the aspect; both given, the first pass is scaled to cover them and the centre cut out.
     */
    public static HiresSize of(ImageSize first, double scale, int resizeX, int resizeY) {
        int w = first.width();
        int h = first.height();
        if (resizeX < 0 || resizeY < 0) {
            throw Problem.badInput("hr_resize_x and hr_resize_y must not be negative, got " + resizeX + "x" + resizeY);
        }
        if (resizeX == 0 && resizeY == 0) {
            if (!(scale > 0 && scale <= 16)) {
                throw Problem.badInput("hr_scale must be above 0 and at most 16, got " + scale);
            }
            ImageSize to = cells((int) (w * scale), (int) (h * scale));
            return new HiresSize(to, to);
        }
        // The width decides when it is the only side given, or when the target is relatively wider than the image.
        boolean byWidth = resizeY == 0 || resizeX != 0 && (double) w / h < (double) resizeX / resizeY;
        int toX = byWidth ? resizeX : (int) ((long) resizeY * w / h);
        int toY = byWidth ? (int) ((long) resizeX * h / w) : resizeY;
        ImageSize to = cells(toX, toY);
        if (resizeX == 0 || resizeY == 0) {
            return new HiresSize(to, to);
        }
        int truncateX = (toX - resizeX) / ImageSize.MULTIPLE;
        int truncateY = (toY - resizeY) / ImageSize.MULTIPLE;
        return new HiresSize(to, new ImageSize(to.width() - truncateX * ImageSize.MULTIPLE,
                to.height() - truncateY * ImageSize.MULTIPLE));
    }

    /**
     * The largest image a request of any of our image APIs makes: its hires size when a txt2img request asks for
     * hires fix ({@code enable_hr}; an img2img one, with {@code init_images} or {@code image}, ignores it), else its
     * size. The memory gate in front of the worker sizes a job by it.
     */
    public static ImageSize largest(JsonNode body) {
        ImageSize first = ImageSize.of(body);
        boolean img2img = body.has("init_images") || body.has("image");
        if (img2img || !body.path("enable_hr").asBoolean(false)) {
            return first;
        }
        return of(first, JsonFields.number(body, "hr_scale", DEFAULT_SCALE), JsonFields.integer(body, "hr_resize_x", 0),
                JsonFields.integer(body, "hr_resize_y", 0)).upscaled();
    }

    /** Cells to crop from the left and top: A1111 cuts {@code truncate // 2} there and the rest on the other side. */
    public int cropLeftCells() {
        return (upscaled.width() - cropped.width()) / ImageSize.MULTIPLE / 2;
    }

    public int cropTopCells() {
        return (upscaled.height() - cropped.height()) / ImageSize.MULTIPLE / 2;
    }

    private static ImageSize cells(int width, int height) {
        return new ImageSize(width / ImageSize.MULTIPLE * ImageSize.MULTIPLE, height / ImageSize.MULTIPLE * ImageSize.MULTIPLE);
    }
}
