package com.mysticanvas.sd.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.sd.noise.PhiloxNoise;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LCM as A1111 runs it, against A1111's {@code sd_samplers_lcm.py} transcribed for the oracle and run on torch
 * ({@code kdiffusion/lcm.txt}): the schedules made from LCM's 50 noise levels, the timestep the UNet gets, and whole
 * runs with the boundary condition on an analytic UNet.
 */
class LcmScheduleTest {
    private static final double MU = 0.5;
    private static final double S2 = 0.25;
    private static final LcmSchedule LCM = LcmSchedule.of(NoiseSchedule.SD);

    /** The analytic "UNet" of the oracle: its input read as the model's latent at timestep t, Gaussian data. */
    private static double eps(double input, int t) {
        double a = (float) NoiseSchedule.SD.alphaCumprod(t); // ldm keeps alphas_cumprod in float32
        double s = Math.sqrt((1 - a) / a);
        double xv = input / Math.sqrt(a);
        double d = (S2 * xv + s * s * MU) / (S2 + s * s);
        return (xv - d) / s;
    }

    private static final Denoiser MODEL = (x, sigma) -> {
        int t = LCM.timestep(sigma);
        double cIn = 1 / Math.sqrt((double) sigma * sigma + 1);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float denoised = (float) (x[i] - sigma * eps(x[i] * cIn, t));
            out[i] = LCM.boundary(x[i], denoised, t);
        }
        return out;
    };

    @Test
    void schedulesComeFromLcmsFiftyLevels() throws IOException {
        for (String row : rows("uniform")) {
            String[] f = row.split(" ");
            assertThat(Sampler.LCM.sigmas(Schedule.DISCRETE, NoiseSchedule.SD, Integer.parseInt(f[1]), false))
                    .containsExactly(floats(f, 2), within(2e-6f * 15));
        }
        String[] karras = rows("karras").getFirst().split(" ");
        assertThat(Sampler.LCM.sigmas(Schedule.KARRAS, NoiseSchedule.SD, 6, false)).containsExactly(floats(karras, 2), within(2e-6f * 15));
    }

    @Test
    void theUnetGetsTheNearestOfLcmsTimesteps() throws IOException {
        for (String row : rows("timestep")) {
            String[] f = row.split(" ");
            assertThat(LCM.timestep(Double.parseDouble(f[1]))).as("sigma %s", f[1]).isEqualTo(Integer.parseInt(f[2]));
        }
    }

    @Test
    void runsWithTheBoundaryConditionMatchA1111() throws IOException {
        for (String row : rows("run")) {
            String[] f = row.split(" ");
            int steps = Integer.parseInt(f[1]);
            float[] sigmas = Sampler.LCM.sigmas(Schedule.DISCRETE, NoiseSchedule.SD, steps, false);
            float[] x = new PhiloxNoise(3).next(64);
            for (int i = 0; i < x.length; i++) {
                x[i] *= sigmas[0];
            }
            float[] out = Sampler.LCM.run(MODEL, x, sigmas, new PhiloxNoise(4), null);
            double mean = Arrays.stream(box(out)).average().orElseThrow();
            assertThat(new float[] {out[0], out[7], out[31], out[63], (float) mean}).as("%d steps", steps)
                    .containsExactly(floats(f, 2), within(2e-5f));
        }
    }

    private static double[] box(float[] v) {
        return SamplerVsKDiffusionTest.box(v);
    }

    private static float[] floats(String[] fields, int from) {
        return SamplerVsKDiffusionTest.floats(fields, from);
    }

    private static List<String> rows(String kind) throws IOException {
        return SamplerVsKDiffusionTest.lines("lcm.txt").stream().filter(l -> l.startsWith(kind + " ")).toList();
    }
}
