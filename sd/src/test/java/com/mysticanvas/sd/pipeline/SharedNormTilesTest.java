package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.sd.noise.GaussianNoise;
import com.mysticanvas.sd.testing.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tiled VAE decode whose group norms share the statistics of the whole image, on the tiny checkpoint's VAE. */
class SharedNormTilesTest {
    private static SdModel model;

    @BeforeAll
    static void load() throws Exception {
        model = SdModel.load(TinyModels.checkpoint(), null, 1);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    @Test
    void givenTheWholeImagesOwnStatisticsTheDecoderIsTheSameNetwork() throws Exception {
        int c = model.vae().latentChannels();
        float[] latent = GaussianNoise.sample(3, c * 12 * 10);
        SdModel.NormStatistics own = model.decoderStatistics(latent, 12, 10, 64, 8); // one tile: the whole
        assertThat(own.means().length).as("norms of the decoder").isGreaterThan(5);
        float[] whole = model.decode(latent, 12, 10);
        float[] given = model.decodeTiled(latent, 12, 10, 64, 8);
        assertThat(given).containsExactly(whole, within(1e-4f));
    }

    @Test
    void tilesSharingStatisticsComeCloserToTheWholeDecodeThanTilesNormalizingAlone() throws Exception {
        int c = model.vae().latentChannels();
        int h = 24;
        int w = 24;
        float[] latent = GaussianNoise.sample(5, c * h * w);
        for (int y = 0; y < h; y++) { // a gradient across the image, so that tiles' own statistics differ
            for (int x = 0; x < w; x++) {
                latent[y * w + x] += 3f * y / h;
            }
        }
        float[] whole = model.decode(latent, h, w);
        float[] alone = TiledDecoder.decode(latent, c, h, w, model.vae().factor(), 12, 4, model::decode);
        float[] shared = model.decodeTiled(latent, h, w, 12, 4);
        double aloneError = meanAbsoluteDifference(alone, whole);
        double sharedError = meanAbsoluteDifference(shared, whole);
        System.out.printf("tiled VAE vs whole, mean |difference|: own statistics %.5f, shared %.5f%n", aloneError, sharedError);
        assertThat(sharedError).isLessThan(aloneError / 2);
    }

    private static double meanAbsoluteDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / a.length;
    }
}
