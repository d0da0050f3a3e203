package com.mysticanvas.sd.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.noise.GaussianNoise;
import com.mysticanvas.sd.noise.NoiseStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each sampler's update checked by hand on a toy denoiser, then on a problem with a known answer. */
class SamplerTest {
    /** Predicts half of x as the clean latent, whatever the noise level. */
    private static final Denoiser HALF = (x, sigma) -> {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * 0.5f;
        }
        return out;
    };
    private static final float[] START = {2f, -4f};

    /** The step noise of our own generator's seed: what follows its first draw, the starting noise. */
    static NoiseStream steps(long seed) {
        NoiseStream stream = GaussianNoise.stream(seed);
        stream.next(1);
        return stream;
    }

    @Test
    void eulerStepsAlongTheDerivative() {
        // d = (x - D) / sigma = x / 4, dt = 1 - 2 = -1: x - x/4; then to 0 the result is the denoised 0.5 x.
        assertThat(Sampling.sample(Sampler.EULER, HALF, START, new float[] {2, 1}, steps(0), null)).containsExactly(1.5f, -3f);
        assertThat(Sampling.sample(Sampler.EULER, HALF, START, new float[] {2, 1, 0}, steps(0), null)).containsExactly(0.75f, -1.5f);
    }

    @Test
    void ddimInterpolatesBetweenDenoisedAndX() {
        // x' = D + (next/sigma)(x - D) = [1, -2] + 0.5 [1, -2]
        assertThat(Sampling.sample(Sampler.DDIM, HALF, START, new float[] {2, 1}, steps(0), null)).containsExactly(1.5f, -3f);
    }

    @Test
    void eulerAncestralStepsToSigmaDownAndAddsSigmaUpNoise() {
        long seed = 99;
        // sigma 2 -> 1: sigma_up = sqrt(1 * (4 - 1) / 4) = sqrt(0.75), sigma_down = sqrt(1 - 0.75) = 0.5;
        // x + (x - D) / 2 * (0.5 - 2) = x - 0.75 (x - D) = [1.25, -2.5]; noise from step 1's stream.
        float[] noise = GaussianNoise.sample(GaussianNoise.streamSeed(seed, 1), 2);
        double up = Math.sqrt(0.75);
        assertThat(Sampling.sample(Sampler.EULER_A, HALF, START, new float[] {2, 1}, steps(seed), null)).containsExactly(
                new float[] {(float) (1.25 + up * noise[0]), (float) (-2.5 + up * noise[1])}, within(1e-6f));
        // To sigma 0 no noise is added: sigma_up = 0, sigma_down = 0, so x becomes D exactly.
        assertThat(Sampling.sample(Sampler.EULER_A, HALF, START, new float[] {2, 0}, steps(seed), null)).containsExactly(1f, -2f);
    }

    @Test
    void lcmDenoisesThenNoisesToTheNextSigma() {
        long seed = 5;
        float[] noise = GaussianNoise.sample(GaussianNoise.streamSeed(seed, 1), 2);
        assertThat(Sampling.sample(Sampler.LCM, HALF, START, new float[] {2, 0.5f}, steps(seed), null)).containsExactly(
                new float[] {1 + 0.5f * noise[0], -2 + 0.5f * noise[1]}, within(1e-6f));
        assertThat(Sampling.sample(Sampler.LCM, HALF, START, new float[] {2, 0}, steps(seed), null)).containsExactly(1f, -2f);
    }

    @Test
    void dpmpp2mUsesTheLastDenoisedAfterTheFirstStep() {
        // One value, x = 8, D = x / 2, sigmas 4, 2, 1, 0 (h = ln 2 each step, so r = 1).
        // Step 1 (first order): 0.5 * 8 + (1 - 0.5) * 4 = 6.
        // Step 2: D = 3, old D = 4, D' = 1.5 * 3 - 0.5 * 4 = 2.5; 0.5 * 6 + 0.5 * 2.5 = 4.25.
        // Step 3 (to 0): the denoised value, 2.125.
        List<Float> xs = new ArrayList<>();
        float[] out = Sampling.sample(Sampler.DPMPP_2M, HALF, new float[] {8}, new float[] {4, 2, 1, 0}, steps(0),
                (step, steps, x, denoised) -> xs.add(x[0]));
        assertThat(xs).containsExactly(6f, 4.25f, 2.125f);
        assertThat(out).containsExactly(2.125f);
    }

    @Test
    void theListenerSeesEveryStepAndCanCancel() {
        AtomicInteger calls = new AtomicInteger();
        Denoiser counting = (x, sigma) -> {
            calls.incrementAndGet();
            return HALF.denoise(x, sigma);
        };
        List<String> seen = new ArrayList<>();
        float[] sigmas = Sampling.sigmas(Schedule.KARRAS, 5);
        float[] result = Sampling.sample(Sampler.EULER_A, counting, START, sigmas, steps(1), (step, steps, x, denoised) -> {
            seen.add(step + "/" + steps);
            return step < 2;
        });
        assertThat(result).isNull();
        assertThat(seen).containsExactly("1/5", "2/5");
        assertThat(calls).hasValue(2);
        assertThat(START).containsExactly(2f, -4f); // the caller's array is not touched
    }

    @Test
    void theDenoiserIsCalledWithEachSigmaButTheLast() {
        List<Float> asked = new ArrayList<>();
        float[] sigmas = Sampling.sigmas(Schedule.DISCRETE, 3);
        Sampling.sample(Sampler.DPMPP_2M, (x, sigma) -> {
            asked.add(sigma);
            return HALF.denoise(x, sigma);
        }, START, sigmas, steps(0), null);
        assertThat(asked).containsExactly(sigmas[0], sigmas[1], sigmas[2]);
    }

    @Test
    void unknownSamplersAreBadRequestsNamingTheChoices() {
        assertThatThrownBy(() -> Sampler.named("heun++"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining("euler, euler_a, heun, dpm2, dpm2_a, lms, dpmpp_2s_a, dpmpp_sde, dpmpp_2m, "
                        + "dpmpp_2m_sde, dpmpp_3m_sde, ipndm, restart, euler_cfg_pp, euler_a_cfg_pp, ddim, ddim_cfgpp, plms, "
                        + "unipc, lcm, tcd");
        assertThat(Sampler.named("DPM++ 2M SDE")).isEqualTo(Sampler.DPMPP_2M_SDE);
        assertThat(Sampler.named("k_dpm_2_a")).isEqualTo(Sampler.DPM2_A);
        assertThat(Sampler.named("Euler a")).isEqualTo(Sampler.EULER_A);
        assertThat(Sampler.named("k_dpmpp_2m")).isEqualTo(Sampler.DPMPP_2M);
        assertThat(Sampler.named(" DDIM ")).isEqualTo(Sampler.DDIM);
    }

    @Test
    void badSigmasAndDenoisersAreProgrammingErrors() {
        assertThatThrownBy(() -> Sampling.sample(Sampler.EULER, HALF, START, new float[] {1, 2, 0}, steps(0), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.sample(Sampler.EULER, HALF, START, new float[] {1, 0, 0}, steps(0), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.sample(Sampler.EULER, (x, s) -> x, START, new float[] {1, 0}, steps(0), null))
                .isInstanceOf(IllegalStateException.class);
        assertThat(Sampling.sample(Sampler.EULER, HALF, START, new float[] {0}, steps(0), null)).containsExactly(START);
    }

    @ParameterizedTest
    @EnumSource(Sampler.class)
    void sameSeedSameResultAnotherSeedAnother(Sampler sampler) {
        float[] sigmas = Sampling.sigmas(Schedule.KARRAS, 6);
        float[] a = sampler.run(HALF, GaussianNoise.sample(1, 64), sigmas, steps(11), null);
        float[] b = sampler.run(HALF, GaussianNoise.sample(1, 64), sigmas, steps(11), null);
        assertThat(a).containsExactly(b);
        if (sampler == Sampler.EULER_A || sampler == Sampler.LCM) {
            assertThat(sampler.run(HALF, GaussianNoise.sample(1, 64), sigmas, steps(12), null)).isNotEqualTo(a);
        }
    }

    /**
     * Clean data N(mu, s^2) per element, so the exact denoiser is known: E[x0 | x] = (s^2 x + sigma^2 mu) / (s^2 + sigma^2).
     * Started from the exact noisy marginal N(mu, s^2 + sigma_max^2), a sampler must end near N(mu, s^2); its
     * discretisation error shrinks as steps grow (the same figures came out of an independent numpy version).
     */
    private static final double MU = 0.5;
    private static final double S2 = 0.25;
    private static final Denoiser POSTERIOR_MEAN = (x, sigma) -> {
        float[] out = new float[x.length];
        double v = (double) sigma * sigma;
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) ((S2 * x[i] + v * MU) / (S2 + v));
        }
        return out;
    };

    /** Mean and variance of what the sampler makes from 40 000 draws of the noisy marginal. */
    private static double[] moments(Sampler sampler, Denoiser model, Schedule schedule, int steps) {
        float[] sigmas = Sampling.sigmas(schedule, steps);
        float[] x = GaussianNoise.sample(2024, 40_000);
        double spread = Math.sqrt(S2 + (double) sigmas[0] * sigmas[0]);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (MU + spread * x[i]);
        }
        float[] out = sampler.run(model, x, sigmas, steps(3), null);
        double mean = 0;
        for (float v : out) {
            mean += v;
        }
        mean /= out.length;
        double variance = 0;
        for (float v : out) {
            variance += (v - mean) * (v - mean);
        }
        return new double[] {mean, variance / out.length};
    }

    /** Every sampler but the distilled ones' (LCM and TCD jump to far earlier timesteps whatever the step count). */
    @ParameterizedTest
    @EnumSource(value = Sampler.class, names = {"LCM", "TCD"}, mode = EnumSource.Mode.EXCLUDE)
    void convergesToTheDataDistributionOfAGaussianToyProblem(Sampler sampler) {
        double[] fine = moments(sampler, POSTERIOR_MEAN, Schedule.KARRAS, 300);
        assertThat(fine[0]).as("%s mean", sampler).isCloseTo(MU, within(0.01));
        assertThat(fine[1]).as("%s variance", sampler).isCloseTo(S2, within(0.04 * S2));
    }

    /**
     * The ODE samplers against the exact probability-flow solution of the toy problem, which maps x at sigma a to
     * {@code mu + (x - mu) sqrt(s^2 + b^2) / sqrt(s^2 + a^2)} at sigma b: on every schedule, more steps, less error.
     */
    @ParameterizedTest
    @EnumSource(value = Sampler.class, names = {"EULER", "HEUN", "DPM2", "LMS", "DPMPP_2M", "DDIM", "UNIPC"})
    void odeSamplersConvergeToTheExactFlowOnEverySchedule(Sampler sampler) {
        for (Schedule schedule : Schedule.values()) {
            double coarse = flowError(sampler, schedule, 10);
            double finer = flowError(sampler, schedule, 60);
            assertThat(finer).as("%s %s: more steps, less error", sampler, schedule).isLessThan(coarse);
        }
    }

    private static double flowError(Sampler sampler, Schedule schedule, int steps) {
        float[] sigmas = sampler.sigmas(schedule, NoiseSchedule.SD, steps, false);
        float[] x = GaussianNoise.sample(7, 256);
        double a = sigmas[0];
        double b = sigmas[sigmas.length - 1];
        float[] start = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            start[i] = (float) (MU + Math.sqrt(S2 + a * a) * x[i]);
        }
        float[] out = sampler.run(POSTERIOR_MEAN, start, sigmas, steps(1), null);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double exact = MU + (start[i] - MU) * Math.sqrt(S2 + b * b) / Math.sqrt(S2 + a * a);
            worst = Math.max(worst, Math.abs(out[i] - exact));
        }
        return worst;
    }

    @Test
    void lcmWithAnExactConsistencyModelSamplesTheDataDistributionInFewSteps() {
        // A consistency model maps x at sigma to the end of its ODE path: mu + (x - mu) s / sqrt(s^2 + sigma^2).
        Denoiser consistency = (x, sigma) -> {
            float[] out = new float[x.length];
            double scale = Math.sqrt(S2 / (S2 + (double) sigma * sigma));
            for (int i = 0; i < x.length; i++) {
                out[i] = (float) (MU + (x[i] - MU) * scale);
            }
            return out;
        };
        for (int steps : new int[] {1, 4, 8}) {
            double[] m = moments(Sampler.LCM, consistency, Schedule.DISCRETE, steps);
            assertThat(m[0]).as("%d steps mean", steps).isCloseTo(MU, within(0.01));
            assertThat(m[1]).as("%d steps variance", steps).isCloseTo(S2, within(0.02 * S2));
        }
        // With a plain posterior-mean model LCM loses variance each step: it is only right for LCM models.
        assertThat(moments(Sampler.LCM, POSTERIOR_MEAN, Schedule.DISCRETE, 8)[1]).isLessThan(0.8 * S2);
    }

    @Test
    void ddimAndEulerAgreeToRounding() {
        float[] sigmas = Sampling.sigmas(Schedule.KARRAS, 10);
        float[] x = GaussianNoise.sample(3, 1000);
        float[] euler = Sampler.EULER.run(HALF, x, sigmas, steps(0), null);
        float[] ddim = Sampler.DDIM.run(HALF, x, sigmas, steps(0), null);
        for (int i = 0; i < x.length; i++) {
            assertThat(ddim[i]).isCloseTo(euler[i], within(1e-5f * (1 + Math.abs(euler[i]))));
        }
    }
}
