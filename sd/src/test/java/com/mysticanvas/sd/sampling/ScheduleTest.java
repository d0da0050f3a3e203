package com.mysticanvas.sd.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.core.Problem;
import org.junit.jupiter.api.Test;

/** Expected values from the published formulas, evaluated in float64 with numpy. */
class ScheduleTest {
    private final NoiseSchedule sd = NoiseSchedule.SD;

    @Test
    void sdScheduleEndsAtTheKnownSigmas() {
        assertThat(sd.sigmaMax()).isCloseTo(14.614641229333639, within(1e-9));
        assertThat(sd.sigmaMin()).isCloseTo(0.029167158151720367, within(1e-12));
        assertThat(sd.sigma(500)).isCloseTo(1.6182788260186167, within(1e-9));
        // alphas_cumprod[0] = 1 - beta_0 = 1 - 0.00085
        assertThat(sd.alphaCumprod(0)).isCloseTo(1 - 0.00085, within(1e-15));
    }

    @Test
    void zeroTerminalSnrKeepsTheFirstLevelAndEndsAtTheFixedLastAlpha() {
        NoiseSchedule z = sd.zeroTerminalSnr();
        assertThat(z.sigmaMin()).isCloseTo(sd.sigmaMin(), within(1e-12));
        assertThat(z.alphaCumprod(999)).isEqualTo(4.8973451890853435e-08);
        // sqrt((1 - a) / a) for that a
        assertThat(z.sigmaMax()).isCloseTo(4518.7636986558555, within(1e-6));
        for (int t = 1; t < 1000; t++) {
            assertThat(z.sigma(t)).isGreaterThan(z.sigma(t - 1));
            assertThat(z.sigma(t)).isGreaterThanOrEqualTo(sd.sigma(t) * 0.999);
        }
        // halfway: sqrt(abar) shifted by its last value and rescaled, by hand from the SD values
        double first = Math.sqrt(sd.alphaCumprod(0));
        double last = Math.sqrt(sd.alphaCumprod(999));
        double root = (Math.sqrt(sd.alphaCumprod(500)) - last) * first / (first - last);
        assertThat(z.alphaCumprod(500)).isCloseTo(root * root, within(1e-15));
        float[] karras = Schedule.KARRAS.sigmas(z, 4);
        assertThat(karras[0]).isCloseTo((float) z.sigmaMax(), within(0.01f));
        assertThat(z.timestep(karras[0])).isCloseTo(999, within(1e-3));
    }

    @Test
    void discreteSpacesTimestepsEvenlyFrom999To0() {
        assertThat(Sampling.sigmas(Schedule.DISCRETE, 4)).containsExactly(
                new float[] {14.614641f, 2.9183071f, 0.93235797f, 0.029167158f, 0f}, within(2e-6f));
        assertThat(Sampling.sigmas(Schedule.DISCRETE, 4)[1]).isEqualTo((float) sd.sigma(666));
    }

    @Test
    void karrasSpacesSigmaToTheOneSeventhEvenly() {
        float[] sigmas = Sampling.sigmas(Schedule.KARRAS, 4);
        assertThat(sigmas).containsExactly(
                new float[] {14.614641f, 3.1686031f, 0.44691821f, 0.029167158f, 0f}, within(2e-6f));
        double third = Math.pow(sigmas[0], 1 / 7.0) + (Math.pow(sigmas[3], 1 / 7.0) - Math.pow(sigmas[0], 1 / 7.0)) / 3;
        assertThat(sigmas[1]).isCloseTo((float) Math.pow(third, 7), within(1e-5f));
    }

    @Test
    void oneStepStartsAtSigmaMax() {
        assertThat(Sampling.sigmas(Schedule.DISCRETE, 1)).containsExactly((float) sd.sigmaMax(), 0f);
        assertThat(Sampling.sigmas(Schedule.KARRAS, 1)).containsExactly((float) sd.sigmaMax(), 0f);
    }

    @Test
    void everyScheduleDescendsStrictlyAndEndsWhereA1111s() {
        for (Schedule s : Schedule.values()) {
            for (int steps : new int[] {2, 20, 150, 1000}) {
                float[] sigmas = s.sigmas(steps);
                if (s != Schedule.DDIM_UNIFORM) { // A1111's DDIM grid: timesteps 1, 1 + k ..., so its own count and top
                    assertThat(sigmas).as("%s %d", s, steps).hasSize(steps + 1);
                    assertThat(sigmas[0]).as("%s %d starts near sigma max", s, steps).isGreaterThan(10f);
                }
                // KL Optimal ends at sigma min, not 0, as A1111's does
                assertThat(sigmas[sigmas.length - 1]).isEqualTo(s == Schedule.KL_OPTIMAL ? (float) sd.sigmaMin() : 0f, within(1e-6f));
                for (int i = 1; i < sigmas.length; i++) {
                    assertThat(sigmas[i]).as("%s %d", s, i).isLessThan(sigmas[i - 1]);
                }
            }
        }
    }

    @Test
    void timestepInvertsSigmaByLogInterpolation() {
        assertThat(Sampling.timestep(1.0f)).isCloseTo(353.89041f, within(1e-3f));
        assertThat(Sampling.timestep(3.1686031f)).isCloseTo(687.15275f, within(1e-3f));
        for (double t : new double[] {0, 0.5, 1, 123.25, 500, 998.75, 999}) {
            assertThat(sd.timestep(sd.sigma(t))).isCloseTo(t, within(1e-9));
        }
        assertThat(Sampling.timestep(100f)).isEqualTo(999f);
        assertThat(Sampling.timestep(0.001f)).isZero();
        assertThat(Sampling.timestep(0f)).isZero();
    }

    @Test
    void namesAcceptOurIdsAndA1111Labels() {
        assertThat(Schedule.named("Karras")).isEqualTo(Schedule.KARRAS);
        assertThat(Schedule.named("uniform")).isEqualTo(Schedule.DISCRETE);
        assertThat(Schedule.named("Automatic")).isNull(); // each sampler's own default, resolved by the request
        assertThat(Schedule.suffixOf("DPM++ 2M Karras")).isEqualTo(Schedule.KARRAS);
        assertThat(Schedule.suffixOf("Euler a")).isNull();
        assertThat(Schedule.suffixOf("DPM++ 2M")).isNull();
        assertThatThrownBy(() -> Schedule.named("sideways"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("discrete, karras, exponential");
    }

    @Test
    void stepsOutOfRangeAreProgrammingErrorsNotASecondCheckOfRequests() {
        // A request's steps are checked once, when its job is submitted (GenerationRequest.validate).
        assertThatThrownBy(() -> Sampling.sigmas(Schedule.KARRAS, 0)).isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steps");
        assertThatThrownBy(() -> Sampling.sigmas(Schedule.DISCRETE, -3)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.sigmas(Schedule.DISCRETE, 1001)).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void img2imgKeepsTheTailA1111Keeps() {
        float[] sigmas = Sampling.sigmas(Schedule.DISCRETE, 20);
        assertThat(Sampling.img2imgSigmas(sigmas, 1.0)).containsExactly(sigmas);
        assertThat(Sampling.img2imgSigmas(sigmas, 0.75)).hasSize(17).startsWith(sigmas[4]);
        assertThat(Sampling.img2imgSigmas(sigmas, 0.7)).hasSize(16).startsWith(sigmas[5]);
        assertThat(Sampling.img2imgSigmas(sigmas, 0.01)).containsExactly(sigmas[19], 0f);
        assertThat(Sampling.img2imgSigmas(sigmas, 0)).containsExactly(0f);
        assertThatThrownBy(() -> Sampling.img2imgSigmas(sigmas, 1.5)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.img2imgSigmas(sigmas, Double.NaN)).isExactlyInstanceOf(IllegalArgumentException.class);
    }
}
