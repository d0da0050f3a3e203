package com.mysticanvas.sd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LatentPreviewTest {
    @Test
    void projectsEachLatentPixelThroughTheFactors() {
        // 2 items of 4x1x2; item 1 has channel 0 = 1 at pixel 0 and channel 3 = 1 at pixel 1.
        float[] latent = new float[2 * 4 * 2];
        int item = 8;
        latent[item] = 1f;
        latent[item + 3 * 2 + 1] = 1f;
        byte[] rgb = LatentPreview.rgb(latent, 1, 2, 1);
        // (0.298 + 1) * 127.5 = 165.5, (0.207 + 1) * 127.5 = 153.9, (0.208 + 1) * 127.5 = 154.0
        // (-0.184 + 1) * 127.5 = 104.0, (-0.271 + 1) * 127.5 = 92.9, (-0.473 + 1) * 127.5 = 67.2
        assertThat(rgb).containsExactly((byte) 165, (byte) 154, (byte) 154, (byte) 104, (byte) 93, (byte) 67);
        assertThat(LatentPreview.rgb(latent, 0, 2, 1)).containsOnly((byte) 128);
    }

    @Test
    void writesASmallPngOfTheLatentSize() throws IOException {
        float[] latent = new float[4 * 6 * 8];
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(LatentPreview.png(latent, 0, 8, 6)));
        assertThat(image.getWidth()).isEqualTo(8);
        assertThat(image.getHeight()).isEqualTo(6);
        assertThat(image.getRGB(3, 3) & 0xFFFFFF).isEqualTo(0x808080);
    }

    @Test
    void refusesALatentOfAnotherSize() {
        assertThatThrownBy(() -> LatentPreview.rgb(new float[10], 0, 2, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
