package com.mysticanvas.sd.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.mysticanvas.sd.noise.BrownianNoise;
import com.mysticanvas.sd.noise.NoiseStream;
import com.mysticanvas.sd.noise.PhiloxNoise;
import com.mysticanvas.sd.noise.Rng;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every schedule and sampler against the reference implementations themselves: k-diffusion's {@code sampling.py}
 * and {@code external.DiscreteEpsDDPMDenoiser}, and A1111's {@code sd_schedulers.py}, run here on Debian's torch
 * 1.13.1 in float32 (the figures are in {@code kdiffusion/*.txt}). The samplers run on an analytic denoiser (the
 * posterior mean of Gaussian data), from the same start, over the same Karras sigmas, with the same noise (A1111's
 * Philox generator) given to k-diffusion as its {@code noise_sampler}; agreement is to float32 rounding.
 */
class SamplerVsKDiffusionTest {
    private static final double MU = 0.5;
    private static final double S2 = 0.25;
    private static final Denoiser GAUSSIAN = (x, sigma) -> {
        float[] out = new float[x.length];
        double v = (double) sigma * sigma;
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) ((S2 * x[i] + v * MU) / (S2 + v));
        }
        return out;
    };

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void scheduleMatchesTheReference(Schedule schedule) throws IOException {
        String id = schedule.id();
        List<String> rows = lines("schedules.txt").stream().filter(l -> l.startsWith(id + " ")).toList();
        assertThat(rows).as("reference rows for %s", id).hasSize(4);
        for (String row : rows) {
            String[] f = row.split(" ");
            int steps = Integer.parseInt(f[1]);
            float[] want = floats(f, 2);
            float[] got = schedule.sigmas(NoiseSchedule.SD, steps, false);
            assertThat(got).as("%s, %d steps", id, steps).hasSameSizeAs(want);
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).as("%s, %d steps, sigma %d", id, steps, i).isCloseTo(want[i], within(2e-6f * Math.max(1, want[i])));
            }
        }
    }

    @Test
    void alignYourStepsHasSdxlsOwnTable() throws IOException {
        String row = lines("schedules.txt").stream().filter(l -> l.startsWith("AYSXL ")).findFirst().orElseThrow();
        float[] want = floats(row.split(" "), 2);
        assertThat(Schedule.ALIGN_YOUR_STEPS.sigmas(NoiseSchedule.SD, 7, true)).containsExactly(want, within(2e-6f * 15));
    }

    @ParameterizedTest
    @EnumSource(value = Sampler.class, names = {"DDIM", "PLMS", "UNIPC", "LCM", "RESTART", "EULER_CFG_PP", "EULER_A_CFG_PP", "DDIM_CFG_PP", "TCD"}, mode = EnumSource.Mode.EXCLUDE)
    void samplerMatchesKDiffusion(Sampler sampler) throws IOException {
        String row = lines("samplers.txt").stream().filter(l -> l.startsWith(sampler.id() + " ")).findFirst().orElseThrow();
        float[] want = floats(row.split(" "), 1);
        float[] sigmas = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, 8, false);
        float[] start = new PhiloxNoise(3).next(64);
        for (int i = 0; i < start.length; i++) {
            start[i] *= sigmas[0];
        }
        float[] out = sampler.run(GAUSSIAN, start, sigmas, new PhiloxNoise(4), null);
        double mean = Arrays.stream(box(out)).average().orElseThrow();
        float[] got = {out[0], out[7], out[31], out[63], (float) mean};
        assertThat(got).as(sampler.id()).containsExactly(want, within(2e-5f));
    }

    /**
     * A1111's Restart against its {@code restart_sampler} (transcribed for the oracle, run on torch): plain Heun below
     * 20 steps, one way back up from sigma 0.1 to 2 at 24 steps, two at 40; the fresh noise from the same generator.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {8, 24, 40})
    void restartMatchesA1111(int steps) throws IOException {
        String row = lines("restart.txt").stream().filter(l -> l.startsWith("restart " + steps + " ")).findFirst().orElseThrow();
        String[] f = row.split(" ");
        float[] sigmas = Sampler.RESTART.sigmas(Schedule.KARRAS, NoiseSchedule.SD, steps, false);
        assertThat(Sampler.RESTART.stepCount(sigmas)).isEqualTo(Integer.parseInt(f[2]));
        float[] start = new PhiloxNoise(3).next(64);
        for (int i = 0; i < start.length; i++) {
            start[i] *= sigmas[0];
        }
        int[] reported = {0};
        float[] out = Sampler.RESTART.run(GAUSSIAN, start, sigmas, new PhiloxNoise(4), (step, of, x, denoised) -> {
            reported[0] = of;
            return true;
        });
        assertThat(reported[0]).isEqualTo(Integer.parseInt(f[2]));
        double mean = Arrays.stream(box(out)).average().orElseThrow();
        assertThat(new float[] {out[0], out[7], out[31], out[63], (float) mean}).as("restart %d", steps)
                .containsExactly(floats(f, 3), within(2e-5f));
    }

    /**
     * A1111's CompVis samplers against its own code (transcribed for the oracle, run on torch): their timestep grid,
     * the start from the model's own latent, the end at timestep 1, and img2img's noising to one timestep above
     * where the walk starts; 8 steps (a grid of 8) and 30 (a grid of 31).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"ddim, 8", "ddim, 30", "plms, 8", "plms, 30"})
    void timestepSamplersMatchA1111(String id, int steps) throws IOException {
        Sampler sampler = Sampler.named(id);
        assertThat(sampler.timestepGrid()).isTrue();
        float[] sigmas = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, steps, false);
        assertThat(sigmas).hasSize(steps == 30 ? 31 : 8);
        float[] noise = new PhiloxNoise(3).next(64);
        float[] init = new PhiloxNoise(5).next(64);
        for (int i = 0; i < init.length; i++) {
            init[i] = init[i] * 0.5f + 0.5f;
        }
        for (String mode : List.of("txt2img", "img2img")) {
            String row = lines("timesteps.txt").stream().filter(l -> l.startsWith(id + " " + steps + " " + mode + " "))
                    .findFirst().orElseThrow();
            float[] want = floats(row.split(" "), 3);
            Sampling.Img2img run = mode.equals("txt2img") ? new Sampling.Img2img(sigmas, sigmas[0])
                    : sampler.img2img(sigmas, NoiseSchedule.SD, steps, 0.6);
            float[] x = sampler.startLatent(mode.equals("txt2img") ? null : init, noise, run.sigmas(), run.noiseSigma());
            float[] out = Sampler.finalLatent(sampler.run(GAUSSIAN, x, run.sigmas(), new PhiloxNoise(4), null), run.sigmas());
            double mean = Arrays.stream(box(out)).average().orElseThrow();
            float[] got = {out[0], out[7], out[31], out[63], (float) mean};
            assertThat(got).as("%s %d %s", id, steps, mode).containsExactly(want, within(2e-5f));
        }
    }

    /**
     * A1111's UniPC against its {@code uni_pc.py} (transcribed for the oracle, run on torch): its continuous-time walk,
     * predictor and corrector at orders 1 to 3, one model call per step, the start and end as the CompVis samplers',
     * and img2img walked from {@code t_start}; a grid of 2 (orders 1 and 2 only), 8 and 31.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 8, 30})
    void uniPcMatchesA1111(int steps) throws IOException {
        Sampler sampler = Sampler.UNIPC;
        float[] sigmas = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, steps, false);
        assertThat(sigmas[0]).isCloseTo((float) NoiseSchedule.SD.sigmaMax(), within(1e-5f));
        float[] noise = new PhiloxNoise(3).next(64);
        float[] init = new PhiloxNoise(5).next(64);
        for (int i = 0; i < init.length; i++) {
            init[i] = init[i] * 0.5f + 0.5f;
        }
        for (String mode : List.of("txt2img", "img2img")) {
            String[] f = lines("unipc.txt").stream().filter(l -> l.startsWith("unipc " + steps + " " + mode + " "))
                    .findFirst().orElseThrow().split(" ");
            Sampling.Img2img run = mode.equals("txt2img") ? new Sampling.Img2img(sigmas, sigmas[0])
                    : sampler.img2img(sigmas, NoiseSchedule.SD, steps, 0.6);
            float[] x = sampler.startLatent(mode.equals("txt2img") ? null : init, noise, run.sigmas(), run.noiseSigma());
            int[] calls = {0};
            Denoiser counted = (xs, sigma) -> {
                calls[0]++;
                return GAUSSIAN.denoise(xs, sigma);
            };
            float[] out = Sampler.finalLatent(sampler.run(counted, x, run.sigmas(), new PhiloxNoise(4), null), run.sigmas());
            assertThat(calls[0]).as("model calls").isEqualTo(Integer.parseInt(f[3]));
            double mean = Arrays.stream(box(out)).average().orElseThrow();
            assertThat(new float[] {out[0], out[7], out[31], out[63], (float) mean}).as("unipc %d %s", steps, mode)
                    .containsExactly(floats(f, 4), within(2e-5f));
        }
    }

    @Test
    void uniPcsTimestepsInvertItsSigmas() {
        for (double t : new double[] {0, 0.25, 17.5, 499.9, 998.2, 999}) {
            assertThat(NoiseSchedule.SD.vpTimestep(NoiseSchedule.SD.vpSigma(t))).isCloseTo(t, within(1e-9));
            assertThat(Sampler.UNIPC.modelTimestep(NoiseSchedule.SD, NoiseSchedule.SD.vpSigma(t))).isCloseTo(t, within(1e-9));
        }
        // between timesteps the two readings of the schedule differ, at the timesteps themselves they agree
        assertThat(NoiseSchedule.SD.vpSigma(300)).isCloseTo(NoiseSchedule.SD.sigma(300), within(1e-12));
        assertThat(NoiseSchedule.SD.vpSigma(300.5)).isNotCloseTo(NoiseSchedule.SD.sigma(300.5), within(1e-6));
    }

    /** Classifier-free guidance between two Gaussians (prompt mu 0.5, negative prompt mu -0.2), as CFG++ sees it. */
    private static Denoiser guided(float scale) {
        return new Denoiser() {
            private float[] unguided;

            @Override
            public float[] denoise(float[] x, float sigma) {
                float[] c = gaussian(x, sigma, MU);
                unguided = gaussian(x, sigma, -0.2);
                float[] out = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    out[i] = unguided[i] + scale * (c[i] - unguided[i]);
                }
                return out;
            }

            @Override
            public float[] lastUnguided() {
                return unguided;
            }
        };
    }

    private static float[] gaussian(float[] x, float sigma, double mu) {
        float[] out = new float[x.length];
        double v = (double) sigma * sigma;
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) ((S2 * x[i] + v * mu) / (S2 + v));
        }
        return out;
    }

    private static float[] figures(float[] out) {
        return new float[] {out[0], out[7], out[31], out[63], (float) Arrays.stream(box(out)).average().orElseThrow()};
    }

    private static float[] cfgPlusPlusRow(String name) throws IOException {
        return floats(lines("cfgpp-tcd.txt").stream().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow()
                .split(" "), 2);
    }

    /**
     * ComfyUI's Euler CFG++ and Euler a CFG++ against its functions (transcribed, run on torch): the step along the
     * negative prompt's answer, which the guided denoiser reports beside its guided one.
     */
    @ParameterizedTest
    @EnumSource(value = Sampler.class, names = {"EULER_CFG_PP", "EULER_A_CFG_PP"})
    void cfgPlusPlusMatchesComfyUi(Sampler sampler) throws IOException {
        assertThat(sampler.cfgPlusPlus()).isTrue();
        assertThat(sampler.guidanceScale(1.5f)).isEqualTo(1.5f);
        float[] sigmas = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, 8, false);
        float[] start = new PhiloxNoise(3).next(64);
        for (int i = 0; i < start.length; i++) {
            start[i] *= sigmas[0];
        }
        float[] out = sampler.run(guided(1.5f), start, sigmas, new PhiloxNoise(4), null);
        assertThat(figures(out)).as(sampler.id()).containsExactly(cfgPlusPlusRow(sampler.id() + " 8"), within(2e-5f));
        // without a negative prompt's answer CFG++ is Euler's step
        float[] plain = sampler == Sampler.EULER_CFG_PP ? sampler.run(GAUSSIAN, start, sigmas, new PhiloxNoise(4), null) : null;
        if (plain != null) {
            assertThat(plain).containsExactly(Sampler.EULER.run(GAUSSIAN, start, sigmas, new PhiloxNoise(4), null), within(1e-5f));
        }
    }

    /** A1111's DDIM CFG++ against its {@code ddim_cfgpp}: its grid, the scale divided by 12.5, the unguided direction. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {8, 30})
    void ddimCfgPlusPlusMatchesA1111(int steps) throws IOException {
        Sampler sampler = Sampler.DDIM_CFG_PP;
        assertThat(sampler.timestepGrid()).isTrue();
        float[] sigmas = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, steps, false);
        float[] x = sampler.startLatent(null, new PhiloxNoise(3).next(64), sigmas, sigmas[0]);
        float[] out = Sampler.finalLatent(sampler.run(guided(sampler.guidanceScale(7)), x, sigmas, new PhiloxNoise(4), null), sigmas);
        assertThat(figures(out)).containsExactly(cfgPlusPlusRow("ddim_cfgpp " + steps), within(2e-5f));
    }

    /** ComfyUI's TCD against its {@code sample_tcd}, on the LCM grid's sigmas (those of {@code lcm.txt}). */
    @Test
    void tcdMatchesComfyUi() throws IOException {
        float[] sigmas = Sampler.TCD.sigmas(Schedule.DISCRETE, NoiseSchedule.SD, 8, false);
        String lcm = lines("lcm.txt").stream().filter(l -> l.startsWith("uniform 8 ")).findFirst().orElseThrow();
        assertThat(sigmas).containsExactly(floats(lcm.split(" "), 2), within(2e-6f * 15));
        float[] start = new PhiloxNoise(3).next(64);
        for (int i = 0; i < start.length; i++) {
            start[i] *= sigmas[0];
        }
        float[] out = Sampler.TCD.run(GAUSSIAN, start, sigmas, new PhiloxNoise(4), null);
        assertThat(figures(out)).containsExactly(cfgPlusPlusRow("tcd 8"), within(2e-5f));
        assertThat(Sampler.TCD.modelTimestep(NoiseSchedule.SD, sigmas[1])).isEqualTo(Sampler.LCM.modelTimestep(NoiseSchedule.SD, sigmas[1]));
    }

    /**
     * A request's eta against the reference functions run with it (k-diffusion's ancestral and SDE samplers, ComfyUI's
     * Euler a CFG++, A1111's DDIM and DDIM CFG++ with their fresh noise), at 0.5 and at 0 (no fresh noise at all).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"euler_a, 0.5", "dpm2_a, 0.5", "dpmpp_2s_a, 0.5", "dpmpp_sde, 0.5",
            "dpmpp_2m_sde, 0.5", "dpmpp_3m_sde, 0.5", "euler_a_cfg_pp, 0.5", "ddim, 0.5", "ddim_cfgpp, 0.5",
            "euler_a, 0.0", "dpm2_a, 0.0", "dpmpp_2s_a, 0.0", "dpmpp_sde, 0.0", "dpmpp_2m_sde, 0.0", "dpmpp_3m_sde, 0.0",
            "euler_a_cfg_pp, 0.0", "ddim, 0.0", "ddim_cfgpp, 0.0"})
    void etaMatchesTheReferences(String id, double eta) throws IOException {
        Sampler sampler = Sampler.named(id);
        assertThat(sampler.takesEta()).isTrue();
        assertThat(sampler.eta(eta)).isEqualTo(eta);
        float[] want = floats(lines("eta.txt").stream().filter(l -> l.startsWith(id + " " + eta + " ")).findFirst()
                .orElseThrow().split(" "), 2);
        float[] sigmas = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, 8, false);
        float[] noise = new PhiloxNoise(3).next(64);
        Denoiser model = !sampler.cfgPlusPlus() ? GAUSSIAN : guided(sampler == Sampler.DDIM_CFG_PP ? sampler.guidanceScale(7) : 1.5f);
        float[] start = sampler.startLatent(null, noise, sigmas, sigmas[0]);
        float[] out = Sampler.finalLatent(sampler.run(model, start, sigmas, new PhiloxNoise(4), eta, null), sigmas);
        assertThat(figures(out)).as("%s eta %s", id, eta).containsExactly(want, within(2e-5f));
    }

    /**
     * The SDE samplers with A1111's noise: k-diffusion's functions given the {@code BrownianTreeNoiseSampler} A1111
     * makes (real torchsde on torch's CPU generator, seed 7), at eta 1 and 0.5, over k-diffusion's own float32 sigmas:
     * to float rounding. Over ours (within a float ulp of torch's, which the tree reads to 1e-6) the first steps' noise
     * moves by about 1e-3, the result by less than 1e-3.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"dpmpp_sde, 1.0", "dpmpp_2m_sde, 1.0", "dpmpp_3m_sde, 1.0",
            "dpmpp_sde, 0.5", "dpmpp_2m_sde, 0.5", "dpmpp_3m_sde, 0.5"})
    void sdeSamplersDrawA1111sBrownianTreeNoise(String id, double eta) throws IOException {
        Sampler sampler = Sampler.named(id);
        assertThat(sampler.brownian()).isTrue();
        float[] want = floats(lines("brownian.txt").stream().filter(l -> l.startsWith(id + " " + eta + " ")).findFirst()
                .orElseThrow().split(" "), 2);
        float[] torchSigmas = floats(lines("brownian.txt").stream().filter(l -> l.startsWith("sigmas " + id + " "))
                .findFirst().orElseThrow().split(" "), 2);
        float[] ours = sampler.sigmas(Schedule.KARRAS, NoiseSchedule.SD, 8, false);
        assertThat(ours).containsExactly(torchSigmas, within(2e-6f * 15));
        for (float[] sigmas : List.of(torchSigmas, ours)) {
            float[] start = sampler.startLatent(null, new PhiloxNoise(3).next(64), sigmas, sigmas[0]);
            NoiseStream noise = BrownianNoise.over(new PhiloxNoise(4), Rng.CPU, 7, sigmas, start.length);
            float[] out = sampler.run(GAUSSIAN, start, sigmas, noise, eta, null);
            assertThat(figures(out)).as("%s eta %s", id, eta)
                    .containsExactly(want, within(sigmas == ours ? 1e-3f : 2e-5f));
        }
    }

    @Test
    void samplersWithoutEtaIgnoreIt() {
        assertThat(Sampler.EULER.takesEta()).isFalse();
        assertThat(Sampler.EULER.eta(0.3)).isEqualTo(Sampler.EULER.defaultEta());
        assertThat(Sampler.DDIM.eta(null)).isZero();
        assertThat(Sampler.EULER_A.eta(null)).isEqualTo(1);
    }

    static double[] box(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    static float[] floats(String[] fields, int from) {
        float[] out = new float[fields.length - from];
        for (int i = from; i < fields.length; i++) {
            out[i - from] = Float.parseFloat(fields[i]);
        }
        return out;
    }

    static List<String> lines(String name) throws IOException {
        try (InputStream in = SamplerVsKDiffusionTest.class.getResourceAsStream("/kdiffusion/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        }
    }
}
