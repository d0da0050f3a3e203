package com.mysticanvas.sd.api;

import com.mysticanvas.sd.image.ImageTensors;
import com.mysticanvas.sd.pipeline.RgbImage;
import java.awt.image.BufferedImage;

/** Images sent by clients (base64 or data URLs) as the pipeline's RGB images; size-checked before decoding. */
final class ClientImages {
    private ClientImages() {}

    /** An input image at its own size; transparency is laid on white. */
    static RgbImage image(String base64) {
        return image(ImageTensors.fromBase64(base64));
    }

    /** As {@link #image(String)}, from the file's bytes. */
    static RgbImage image(byte[] file) {
        BufferedImage decoded = ImageTensors.decode(file);
        int w = decoded.getWidth();
        int h = decoded.getHeight();
        return RgbImage.fromPlanar(ImageTensors.toTensor(decoded, w, h), w, h);
    }

    /** A mask at its own size as the pipeline wants it: white where to repaint. */
    static RgbImage mask(String base64, ImageTensors.MaskMode mode) {
        BufferedImage decoded = ImageTensors.decode(ImageTensors.fromBase64(base64));
        int w = decoded.getWidth();
        int h = decoded.getHeight();
        float[] mask = ImageTensors.toMask(decoded, w, h, mode);
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < mask.length; i++) {
            byte v = (byte) Math.round(Math.clamp(mask[i], 0f, 1f) * 255);
            rgb[3 * i] = v;
            rgb[3 * i + 1] = v;
            rgb[3 * i + 2] = v;
        }
        return new RgbImage(rgb, w, h);
    }
}
