package com.mysticanvas.sd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** An analytic model that knows the answer: each parameterisation must give the clean image back. */
class PredictionTest {
    @Test
    void theTrueEpsAndTheTrueVBothDenoiseToTheImage() {
        SplittableRandom random = new SplittableRandom(3);
        for (double sigma : new double[] {0.0292, 0.5, 1, 14.6146, 4518.9}) {
            for (int i = 0; i < 100; i++) {
                double image = random.nextDouble(-3, 3);
                double noise = random.nextGaussian();
                float x = (float) (image + sigma * noise);
                // v in the variance-preserving frame: alpha = 1/sqrt(sigma^2+1), sigma_vp = sigma * alpha
                double alpha = 1 / Math.sqrt(sigma * sigma + 1);
                float v = (float) (alpha * noise - sigma * alpha * image);
                double tolerance = 1e-6 * Math.max(1, sigma) * 8;
                assertThat(Prediction.EPS.denoised(x, (float) sigma, (float) noise)).as("eps at %s", sigma)
                        .isCloseTo((float) image, within((float) tolerance));
                assertThat(Prediction.V.denoised(x, (float) sigma, v)).as("v at %s", sigma)
                        .isCloseTo((float) image, within((float) tolerance));
            }
        }
    }

    @Test
    void atZeroNoiseBothReturnTheInput() {
        assertThat(Prediction.EPS.denoised(0.7f, 0, 5f)).isEqualTo(0.7f);
        assertThat(Prediction.V.denoised(0.7f, 0, 5f)).isEqualTo(0.7f);
    }
}
