package com.mysticanvas.sd.sampling;

import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.noise.BrownianNoise;
import com.mysticanvas.sd.noise.NoiseStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The samplers, written as k-diffusion writes them (its {@code sampling.py}, eta 1, no churn): the latent lives in
 * sigma space ({@code x = clean + sigma * noise}); each step has the denoiser's answer at the step's sigma, and the
 * second-order ones ask it once more. Ancestral and SDE noise comes from the image's generator, in draw order.
 * Each update is checked against k-diffusion itself run on an analytic denoiser (SamplerVsKDiffusionTest).
 */
public enum Sampler {
    /** {@code sample_euler}: one Euler step of the probability-flow ODE. */
    EULER("euler", "Euler", "k_euler") {
        @Override
        float[] step(float[] x, Step s) {
            eulerTo(x, s.denoised(), s.sigma(), s.next());
            return null;
        }
    },
    /** {@code sample_euler_ancestral}: an Euler step down to sigma_down, then fresh noise of size sigma_up. */
    EULER_A("euler_a", "Euler a", "k_euler_a", "k_euler_ancestral") {
        @Override
        float[] step(float[] x, Step s) {
            double[] downUp = ancestral(s.sigma(), s.next(), s.eta());
            eulerTo(x, s.denoised(), s.sigma(), downUp[0]);
            if (s.next() > 0) {
                addNoise(x, s.noise(), downUp[1]);
            }
            return null;
        }
    },
    /** {@code sample_heun}: Euler's step, corrected by the slope at its end (Karras et al. 2022, algorithm 2). */
    HEUN("heun", "Heun", "k_heun") {
        @Override
        float[] step(float[] x, Step s) {
            if (s.next() == 0) {
                eulerTo(x, s.denoised(), s.sigma(), 0);
                return null;
            }
            double dt = s.next() - s.sigma();
            float[] d = derivative(x, s.denoised(), s.sigma());
            float[] x2 = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                x2[j] = (float) (x[j] + d[j] * dt);
            }
            float[] d2 = derivative(x2, s.denoise(x2, s.next()), s.next());
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (x[j] + (d[j] + d2[j]) / 2 * dt);
            }
            return null;
        }
    },
    /** {@code sample_dpm_2}: the slope taken at the log-midpoint sigma (DPM-Solver-2). */
    DPM2("dpm2", "DPM2", "k_dpm_2") {
        @Override
        public boolean discardsNextToLastSigma() {
            return true;
        }

        @Override
        public Schedule automaticSchedule() {
            return Schedule.KARRAS;
        }

        @Override
        float[] step(float[] x, Step s) {
            midpointTo(x, s, s.next());
            return null;
        }
    },
    /** {@code sample_dpm_2_ancestral}: DPM2's step down to sigma_down, then fresh noise of size sigma_up. */
    DPM2_A("dpm2_a", "DPM2 a", "k_dpm_2_a") {
        @Override
        public boolean discardsNextToLastSigma() {
            return true;
        }

        @Override
        public Schedule automaticSchedule() {
            return Schedule.KARRAS;
        }

        @Override
        float[] step(float[] x, Step s) {
            double[] downUp = ancestral(s.sigma(), s.next(), s.eta());
            if (midpointTo(x, s, downUp[0])) {
                addNoise(x, s.noise(), downUp[1]);
            }
            return null;
        }
    },
    /** {@code sample_lms}: linear multistep of order 4 over the last slopes (fewer at the start). */
    LMS("lms", "LMS", "k_lms") {
        @Override
        float[] step(float[] x, Step s) {
            float[] d = derivative(x, s.denoised(), s.sigma());
            int order = Math.min(s.index() + 1, Math.min(LMS_ORDER, s.history().size() + 1));
            for (int j = 0; j < order; j++) {
                double c = lmsCoefficient(order, s.sigmas(), s.index(), j);
                float[] dj = j == 0 ? d : s.history().get(j - 1);
                for (int k = 0; k < x.length; k++) {
                    x[k] = (float) (x[k] + c * dj[k]);
                }
            }
            return d;
        }
    },
    /** {@code sample_dpmpp_2s_ancestral}: DPM-Solver++(2S) down to sigma_down, then noise of size sigma_up. */
    DPMPP_2S_A("dpmpp_2s_a", "DPM++ 2S a", "k_dpmpp_2s_a") {
        @Override
        float[] step(float[] x, Step s) {
            double[] downUp = ancestral(s.sigma(), s.next(), s.eta());
            double down = downUp[0];
            if (down == 0) {
                eulerTo(x, s.denoised(), s.sigma(), 0);
            } else {
                double h = Math.log(s.sigma() / down); // t = -log sigma
                double mid = s.sigma() * Math.exp(-h / 2);
                float[] x2 = new float[x.length];
                double towards = -Math.expm1(-h / 2);
                for (int j = 0; j < x.length; j++) {
                    x2[j] = (float) (mid / s.sigma() * x[j] + towards * s.denoised()[j]);
                }
                float[] d2 = s.denoise(x2, mid);
                double keep = down / s.sigma();
                double all = -Math.expm1(-h);
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) (keep * x[j] + all * d2[j]);
                }
            }
            if (s.next() > 0) {
                addNoise(x, s.noise(), downUp[1]);
            }
            return null;
        }
    },
    /**
     * {@code sample_dpmpp_sde} (r = 1/2): two ancestral DPM-Solver++ half steps, each with fresh noise. k-diffusion
     * and A1111 draw that noise from a Brownian tree seeded with the image's seed ({@link BrownianNoise}).
     */
    DPMPP_SDE("dpmpp_sde", "DPM++ SDE", "k_dpmpp_sde") {
        @Override
        public Schedule automaticSchedule() {
            return Schedule.KARRAS;
        }

        @Override
        float[] step(float[] x, Step s) {
            if (s.next() == 0) {
                eulerTo(x, s.denoised(), s.sigma(), 0);
                return null;
            }
            double sigma = s.sigma();
            double h = Math.log(sigma / s.next());
            double mid = sigma * Math.exp(-h / 2);
            double[] first = ancestral(sigma, mid, s.eta());
            float[] x2 = new float[x.length];
            double keep = first[0] / sigma;
            double towards = -Math.expm1(Math.log(first[0] / sigma)); // -(t - s_).expm1() with s_ = -log(sd)
            for (int j = 0; j < x.length; j++) {
                x2[j] = (float) (keep * x[j] + towards * s.denoised()[j]);
            }
            addSdeNoise(x2, s, sigma, mid, first[1]);
            float[] d2 = s.denoise(x2, mid);
            double[] second = ancestral(sigma, s.next(), s.eta());
            keep = second[0] / sigma;
            towards = -Math.expm1(Math.log(second[0] / sigma));
            for (int j = 0; j < x.length; j++) { // (1 - fac) D + fac D2 with fac = 1 / (2r) = 1: D2 alone
                x[j] = (float) (keep * x[j] + towards * d2[j]);
            }
            addSdeNoise(x, s, sigma, s.next(), second[1]);
            return null;
        }
    },
    /**
     * {@code sample_dpmpp_2m} (DPM-Solver++(2M), Lu et al. 2022): extrapolates the denoised value from this step and
     * the last; first order on the first step and on the step to sigma 0.
     */
    DPMPP_2M("dpmpp_2m", "DPM++ 2M", "k_dpmpp_2m") {
        @Override
        public Schedule automaticSchedule() {
            return Schedule.KARRAS;
        }

        @Override
        float[] step(float[] x, Step s) {
            float[] denoised = s.denoised();
            if (s.next() == 0) {
                System.arraycopy(denoised, 0, x, 0, x.length);
                return denoised;
            }
            double h = Math.log(s.sigma() / s.next());
            double keep = s.next() / s.sigma();
            double towards = -Math.expm1(-h);
            float[] old = s.history().isEmpty() ? null : s.history().getFirst();
            double a = 1;
            double b = 0;
            if (old != null) {
                double r = Math.log(s.previousSigma(1) / s.sigma()) / h;
                a = 1 + 1 / (2 * r);
                b = -1 / (2 * r);
            }
            for (int j = 0; j < x.length; j++) {
                double d = old == null ? denoised[j] : a * denoised[j] + b * old[j];
                x[j] = (float) (keep * x[j] + towards * d);
            }
            return denoised;
        }
    },
    /** {@code sample_dpmpp_2m_sde}, midpoint solver; its noise a Brownian tree's, as DPM++ SDE's. */
    DPMPP_2M_SDE("dpmpp_2m_sde", "DPM++ 2M SDE", "k_dpmpp_2m_sde") {
        @Override
        public Schedule automaticSchedule() {
            return Schedule.EXPONENTIAL;
        }

        @Override
        float[] step(float[] x, Step s) {
            float[] denoised = s.denoised();
            if (s.next() == 0) {
                System.arraycopy(denoised, 0, x, 0, x.length);
                return denoised;
            }
            double h = Math.log(s.sigma() / s.next());
            double etaH = s.eta() * h;
            double keep = s.next() / s.sigma() * Math.exp(-etaH);
            double towards = -Math.expm1(-h - etaH);
            float[] old = s.history().isEmpty() ? null : s.history().getFirst();
            double correction = old == null ? 0 : 0.5 * towards * h / Math.log(s.previousSigma(1) / s.sigma());
            for (int j = 0; j < x.length; j++) {
                double v = keep * x[j] + towards * denoised[j];
                x[j] = (float) (old == null ? v : v + correction * (denoised[j] - old[j]));
            }
            if (s.eta() != 0) {
                addSdeNoise(x, s, s.sigma(), s.next(), s.next() * Math.sqrt(-Math.expm1(-2 * etaH)));
            }
            return denoised;
        }
    },
    /** {@code sample_dpmpp_3m_sde}; its noise a Brownian tree's, as DPM++ SDE's. */
    DPMPP_3M_SDE("dpmpp_3m_sde", "DPM++ 3M SDE", "k_dpmpp_3m_sde") {
        @Override
        public boolean discardsNextToLastSigma() {
            return true;
        }

        @Override
        public Schedule automaticSchedule() {
            return Schedule.EXPONENTIAL;
        }

        @Override
        float[] step(float[] x, Step s) {
            float[] denoised = s.denoised();
            if (s.next() == 0) {
                System.arraycopy(denoised, 0, x, 0, x.length);
                return denoised;
            }
            double h = Math.log(s.sigma() / s.next());
            double hEta = h * (s.eta() + 1);
            double keep = Math.exp(-hEta);
            double towards = -Math.expm1(-hEta);
            List<float[]> past = s.history();
            double phi2 = Math.expm1(-hEta) / hEta + 1;
            double phi3 = phi2 / hEta - 0.5;
            double r0 = past.isEmpty() ? 0 : Math.log(s.previousSigma(1) / s.sigma()) / h;
            double r1 = past.size() < 2 ? 0 : Math.log(s.previousSigma(2) / s.previousSigma(1)) / h;
            for (int j = 0; j < x.length; j++) {
                double v = keep * x[j] + towards * denoised[j];
                if (past.size() >= 2) {
                    double d10 = (denoised[j] - past.get(0)[j]) / r0;
                    double d11 = (past.get(0)[j] - past.get(1)[j]) / r1;
                    double d1 = d10 + (d10 - d11) * r0 / (r0 + r1);
                    double d2 = (d10 - d11) / (r0 + r1);
                    v = v + phi2 * d1 - phi3 * d2;
                } else if (past.size() == 1) {
                    v = v + phi2 * (denoised[j] - past.get(0)[j]) / r0;
                }
                x[j] = (float) v;
            }
            if (s.eta() != 0) {
                addSdeNoise(x, s, s.sigma(), s.next(), s.next() * Math.sqrt(-Math.expm1(-2 * h * s.eta())));
            }
            return denoised;
        }
    },
    /**
     * ComfyUI's iPNDM (Zhang and Chen 2023, {@code sample_ipndm}): Adams-Bashforth of order up to 4 over the last
     * slopes with PNDM's fixed coefficients (fewer at the start), the last step to sigma 0 taking the denoised latent.
     */
    IPNDM("ipndm", "iPNDM", "ipndm") {
        @Override
        float[] step(float[] x, Step s) {
            float[] d = derivative(x, s.denoised(), s.sigma());
            if (s.next() == 0) {
                System.arraycopy(s.denoised(), 0, x, 0, x.length);
                return d;
            }
            double dt = s.next() - s.sigma();
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (x[j] + adamsBashforth(d, s.history(), j) * dt);
            }
            return d;
        }
    },
    /**
     * A1111's Restart (Xu et al. 2023, {@code sd_samplers_extra.restart_sampler}): Heun steps down a Karras schedule
     * that, from 20 steps on, leaves room for going back up from sigma 0.1 to 2 with fresh noise and down again (9
     * steps once; from 36 steps on a quarter of them, twice). Below 20 steps it is Heun.
     */
    RESTART("restart", "Restart", "restart") {
        @Override
        public Schedule automaticSchedule() {
            return Schedule.KARRAS;
        }

        @Override
        float[] step(float[] x, Step s) {
            return HEUN.step(x, s);
        }
    },
    /**
     * ComfyUI's {@code sample_euler_cfg_pp} (Chung et al. 2024, "CFG++"): the step lands on the guided answer but
     * leaves it along the negative prompt's own noise direction, so guidance stays on the data manifold. Its scale is
     * the request's as ComfyUI takes it (CFG++ wants small ones, about 0.5 to 2), and the negative prompt is asked
     * even at scale 1.
     */
    EULER_CFG_PP("euler_cfg_pp", "Euler CFG++", "euler_cfg_pp") {
        @Override
        float[] step(float[] x, Step s) {
            cfgPlusPlusTo(x, s, s.next());
            return null;
        }
    },
    /** ComfyUI's {@code sample_euler_ancestral_cfg_pp} (eta 1): CFG++'s step down to sigma_down, then fresh noise. */
    EULER_A_CFG_PP("euler_a_cfg_pp", "Euler a CFG++", "euler_ancestral_cfg_pp") {
        @Override
        float[] step(float[] x, Step s) {
            double[] downUp = ancestral(s.sigma(), s.next(), s.eta());
            cfgPlusPlusTo(x, s, downUp[0]);
            if (s.next() > 0 && s.eta() > 0) {
                addNoise(x, s.noise(), downUp[1]);
            }
            return null;
        }
    },
    /**
     * A1111's DDIM (eta 0, Song et al. 2021) on its CompVis timestep grid ({@link #timestepGrid}). In sigma space
     * its update is {@code x' = denoised + (next / sigma) (x - denoised)}, the same line as Euler's step
     * (Karras et al. 2022, section 4); what makes it A1111's DDIM is the grid, the start and the end.
     */
    DDIM("ddim", "DDIM", "ddim") {
        @Override
        public double defaultEta() {
            return 0;
        }

        @Override
        float[] step(float[] x, Step s) {
            ddimTo(x, s, s.denoised());
            return null;
        }
    },
    /**
     * A1111's DDIM CFG++ (1.10, {@code ddim_cfgpp}): DDIM on its grid whose direction back to the next timestep is the
     * negative prompt's noise prediction, with the guidance scale divided by 12.5 (A1111 maps 0..12.5 onto CFG++'s
     * 0..1). In sigma space that is CFG++'s Euler step ({@link #EULER_CFG_PP}).
     */
    DDIM_CFG_PP("ddim_cfgpp", "DDIM CFG++", "ddim_cfgpp") {
        @Override
        public double defaultEta() {
            return 0;
        }

        @Override
        float[] step(float[] x, Step s) {
            ddimTo(x, s, s.unguided());
            return null;
        }
    },
    /**
     * A1111's PLMS (pseudo linear multistep, Liu et al. 2022) on the timestep grid: Adams-Bashforth of order up to 4
     * over the model's noise predictions (in sigma space the slopes {@code (x - denoised) / sigma}), its first step
     * a pseudo improved Euler (the slope averaged with the one at the Euler step's end).
     */
    PLMS("plms", "PLMS", "plms") {
        @Override
        float[] step(float[] x, Step s) {
            float[] d = derivative(x, s.denoised(), s.sigma());
            double dt = s.next() - s.sigma();
            List<float[]> old = s.history();
            float[] slope = new float[x.length];
            if (old.isEmpty()) {
                float[] x2 = new float[x.length];
                for (int j = 0; j < x.length; j++) {
                    x2[j] = (float) (x[j] + d[j] * dt);
                }
                float[] d2 = derivative(x2, s.denoise(x2, s.next()), s.next());
                for (int j = 0; j < x.length; j++) {
                    slope[j] = (d[j] + d2[j]) / 2;
                }
            } else {
                for (int j = 0; j < x.length; j++) {
                    slope[j] = adamsBashforth(d, old, j);
                }
            }
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (x[j] + slope[j] * dt);
            }
            return d;
        }
    },
    /**
     * A1111's UniPC (Zhao et al. 2023, its {@code uni_pc.py} with A1111's defaults: the B(h) = h variant "bh1",
     * order 3, lower orders on the last steps, multistep, data prediction). It walks the model's continuous time
     * uniformly ({@link #uniPcSigmas}) from the CompVis grid's start, one model call per step: each step predicts,
     * asks the model there, and corrects with that answer, which the next step reuses (not on the last step).
     */
    UNIPC("unipc", "UniPC", "unipc") {
        @Override
        float[] step(float[] x, Step s) {
            throw new AssertionError("UniPC runs its own loop");
        }
    },
    /**
     * The LCM sampler (Luo et al. 2023): take the denoised latent, then noise it afresh to the next sigma; on LCM's
     * own 50 noise levels, with its boundary condition in the denoiser ({@link LcmSchedule}), as A1111 runs it.
     */
    LCM("lcm", "LCM", "k_lcm") {
        @Override
        float[] step(float[] x, Step s) {
            System.arraycopy(s.denoised(), 0, x, 0, x.length);
            if (s.next() > 0) {
                addNoise(x, s.noise(), s.next());
            }
            return null;
        }
    },
    /**
     * TCD (Zheng et al. 2024, trajectory consistency distillation) as ComfyUI's {@code sample_tcd} steps (gamma
     * 0.3): the model's answer moved to the earlier timestep {@code s = floor(0.7 t(next))} of the next sigma, then
     * noised back up to the next sigma; on LCM's 50 original timesteps as diffusers' {@code TCDScheduler} walks them
     * (no boundary condition: TCD has none).
     */
    TCD("tcd", "TCD", "tcd") {
        @Override
        float[] step(float[] x, Step s) {
            NoiseSchedule schedule = s.model().schedule();
            int at = s.next() == 0 ? 0 : (int) Math.floor((1 - TCD_GAMMA) * schedule.nearestTimestep(s.next()));
            double alpha = schedule.alphaCumprod(at);
            double rootAlpha = Math.sqrt(alpha);
            double rootBeta = Math.sqrt(1 - alpha);
            float[] denoised = s.denoised();
            double sigma = s.sigma();
            for (int j = 0; j < x.length; j++) {
                double eps = (x[j] - denoised[j]) / sigma;
                x[j] = (float) (rootAlpha * denoised[j] + rootBeta * eps); // the model's own latent at timestep s
            }
            if (s.next() > 0) { // from s up to the next sigma (clamped: s may sit a hair above it)
                double up = Math.sqrt(Math.max(0, s.next() * s.next() + 1 - 1 / alpha));
                float[] fresh = s.noise().next(x.length);
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) (x[j] / rootAlpha + fresh[j] * up);
                }
            }
            return null;
        }
    };

    private static final int LMS_ORDER = 4;
    /** TCD's gamma (ComfyUI's eta), its default. */
    private static final double TCD_GAMMA = 0.3;
    /** A1111's {@code uni_pc_order}. */
    private static final int UNIPC_ORDER = 3;
    /** The most arrays a sampler looks back on (LMS's order minus the current one). */
    private static final int HISTORY = LMS_ORDER - 1;

    private final String id;
    private final String a1111Label;
    private final List<String> aliases;

    Sampler(String id, String a1111Label, String... aliases) {
        this.id = id;
        this.a1111Label = a1111Label;
        this.aliases = List.of(aliases);
    }

    /** Our name, as requests give it. */
    public String id() {
        return id;
    }

    /** The name A1111 shows, lists in {@code /sdapi/v1/samplers} and writes as "Sampler". */
    public String a1111Label() {
        return a1111Label;
    }

    /** A1111's aliases for it ({@code /sdapi/v1/samplers}). */
    public List<String> aliases() {
        return aliases;
    }

    /**
     * The schedule A1111 (1.9 and later) uses for this sampler when the request says "Automatic" or nothing: the
     * sampler's own default ({@code scheduler} in its options table), else the model's uniform one.
     */
    public Schedule automaticSchedule() {
        return Schedule.DISCRETE;
    }

    /**
     * A1111's {@code discard_next_to_last_sigma}: the schedule is made for one step more and its next-to-last
     * sigma dropped (DPM2, DPM2 a, DPM++ 3M SDE), so the run still has the steps asked for.
     */
    public boolean discardsNextToLastSigma() {
        return false;
    }

    /**
     * A1111's {@code second_order} (Heun, DPM2, DPM2 a, DPM++ 2S a, DPM++ SDE): its prompt schedules count twice
     * the steps ({@code total_steps}), since each step asks the model about twice.
     */
    public boolean secondOrder() {
        return switch (this) {
            case HEUN, DPM2, DPM2_A, DPMPP_2S_A, DPMPP_SDE, RESTART -> true;
            default -> false;
        };
    }

    /** The steps A1111's prompt schedules count for a run of {@code steps} steps ({@code SamplerData.total_steps}). */
    public int scheduledSteps(int steps) {
        return secondOrder() ? steps * 2 : steps;
    }

    /**
     * True for A1111's CompVis samplers (DDIM, DDIM CFG++, PLMS, UniPC): they ignore the schedule and walk timesteps
     * {@code 1, 1 + 1000 // steps, ...} (clipped to 999) down to timestep 1, calling the model at all but the
     * last (UniPC as many steps of its own, down to timestep 0: {@link #uniPcSigmas}); they start from the noise as the model's own variance-preserving latent ({@code noise}, not
     * {@code noise * sigma}) and end at timestep 1's latent, which is decoded as it is. In sigma space that is a
     * start of {@code noise * sqrt(1 + sigma^2)} and an end divided by {@code sqrt(1 + last^2)}
     * ({@link #startLatent}, {@link #finalLatent}).
     */
    public boolean timestepGrid() {
        return this == DDIM || this == DDIM_CFG_PP || this == PLMS || this == UNIPC;
    }

    /**
     * The UNet timestep for a call at {@code sigma}: the schedule's log-sigma interpolation (k-diffusion's), UniPC's
     * log-alpha one ({@link NoiseSchedule#vpTimestep}), or LCM's nearest original timestep.
     */
    public double modelTimestep(NoiseSchedule noise, double sigma) {
        return switch (this) {
            case UNIPC -> noise.vpTimestep(sigma);
            case LCM, TCD -> LcmSchedule.of(noise).timestep(sigma);
            default -> noise.timestep(sigma);
        };
    }

    /**
     * True for the samplers whose reference function takes {@code eta} (the ancestral and SDE ones, DDIM): a request's
     * eta reaches them; the others ignore it, as A1111's do.
     */
    public boolean takesEta() {
        return switch (this) {
            case EULER_A, DPM2_A, DPMPP_2S_A, DPMPP_SDE, DPMPP_2M_SDE, DPMPP_3M_SDE, EULER_A_CFG_PP, DDIM, DDIM_CFG_PP -> true;
            default -> false;
        };
    }

    /** The eta a run takes when the request gives none: A1111's {@code eta_ancestral} 1, DDIM's {@code eta_ddim} 0. */
    public double defaultEta() {
        return 1;
    }

    /** The eta a run of this sampler uses for a request's ({@code null}: none given): the default where it takes none. */
    public double eta(Double requested) {
        return requested != null && takesEta() ? requested : defaultEta();
    }

    /** A1111's {@code brownian_noise} samplers: their noise comes from a Brownian tree ({@link BrownianNoise}). */
    public boolean brownian() {
        return this == DPMPP_SDE || this == DPMPP_2M_SDE || this == DPMPP_3M_SDE;
    }

    /** True for the CFG++ samplers: they need the negative prompt's answer of every call ({@link Denoiser#lastUnguided}). */
    public boolean cfgPlusPlus() {
        return this == EULER_CFG_PP || this == EULER_A_CFG_PP || this == DDIM_CFG_PP;
    }

    /** The guidance scale the model is run with for a requested one: DDIM CFG++'s is divided by 12.5, as A1111's. */
    public float guidanceScale(float requested) {
        return this == DDIM_CFG_PP ? (float) (requested * (1 / 12.5)) : requested;
    }

    /** The sigmas this sampler runs for {@code steps} steps of {@code schedule}, as A1111 makes them. */
    public float[] sigmas(Schedule schedule, NoiseSchedule noise, int steps, boolean sdxl) {
        if (this == UNIPC) {
            return uniPcSigmas(noise, noise.timesteps() - 1, gridTimesteps(noise, steps).length);
        }
        if (timestepGrid()) {
            int[] t = gridTimesteps(noise, steps);
            float[] out = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                out[i] = (float) noise.sigma(t[t.length - 1 - i]);
            }
            return out;
        }
        if (this == LCM || this == TCD) {
            return schedule.sigmas(LcmSchedule.of(noise).levels(), steps, sdxl);
        }
        if (!discardsNextToLastSigma()) {
            return schedule.sigmas(noise, steps, sdxl);
        }
        float[] more = schedule.sigmas(noise, steps + 1, sdxl);
        float[] out = Arrays.copyOf(more, more.length - 1);
        out[out.length - 1] = more[more.length - 1];
        return out;
    }

    /**
     * UniPC's sigmas: {@code steps} steps from timestep {@code from} to 0, uniform in the model's continuous time
     * ({@code skip_type = time_uniform}), each read as {@link NoiseSchedule#vpSigma} reads it.
     */
    static float[] uniPcSigmas(NoiseSchedule noise, double from, int steps) {
        float[] out = new float[steps + 1];
        for (int i = 0; i <= steps; i++) {
            out[i] = (float) noise.vpSigma(from * (steps - i) / steps);
        }
        return out;
    }

    /** A1111's CompVis timesteps for {@code steps}, ascending: {@code clip(range(0, 1000, 1000 // steps) + 1, 0, 999)}. */
    static int[] gridTimesteps(NoiseSchedule noise, int steps) {
        int n = noise.timesteps();
        int stride = Math.max(1, n / steps);
        int[] out = new int[(n + stride - 1) / stride];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(i * stride + 1, n - 1);
        }
        return out;
    }

    /**
     * What img2img walks of a run made by {@link #sigmas} for {@code steps} steps at denoising {@code strength}, as
     * A1111 cuts it ({@code t_enc = int(min(strength, 0.999) * steps)}), and the noise level the input is noised to
     * first. k-diffusion samplers: the run's tail of {@code t_enc + 1} sigmas, noised to its first. CompVis
     * samplers: noised to timestep {@code t_enc} of the grid, then walked from timestep {@code t_enc - 1} (A1111's
     * own off-by-one, kept; UniPC in {@code t_enc} steps of its own from there).
     */
    public Sampling.Img2img img2img(float[] sigmas, NoiseSchedule noise, int steps, double strength) {
        if (!timestepGrid()) {
            float[] tail = Sampling.img2imgSigmas(sigmas, strength);
            return new Sampling.Img2img(tail, tail[0]);
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be between 0 and 1, got " + strength);
        }
        int[] grid = gridTimesteps(noise, steps);
        int encoded = Math.min((int) (Math.min(strength, 0.999) * steps), grid.length - 1);
        float noiseSigma = (float) noise.sigma(grid[encoded]);
        float[] run = encoded == 0 ? new float[] {noiseSigma}
                : this == UNIPC ? uniPcSigmas(noise, grid[encoded - 1], encoded) // A1111's t_start: grid[t_enc - 1]
                : Arrays.copyOfRange(sigmas, sigmas.length - encoded, sigmas.length);
        return new Sampling.Img2img(run, noiseSigma);
    }

    /**
     * The latent a run over {@code sigmas} starts from: {@code base} (null: none, txt2img) noised with {@code noise}
     * to {@code noiseSigma}, in sigma space at {@code sigmas[0]} (see {@link #timestepGrid}).
     */
    public float[] startLatent(float[] base, float[] noise, float[] sigmas, double noiseSigma) {
        float[] x = new float[noise.length];
        if (!timestepGrid()) {
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) ((base == null ? 0 : base[k]) + noise[k] * noiseSigma);
            }
            return x;
        }
        double first = sigmas[0];
        // the model's latent x * sqrt(alpha) + noise * sqrt(1 - alpha), read as if at the grid's first timestep
        double scale = base == null ? Math.sqrt(1 + first * first) : Math.sqrt((1 + first * first) / (1 + noiseSigma * noiseSigma));
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (((base == null ? 0 : base[k]) + noise[k] * (base == null ? 1 : noiseSigma)) * scale);
        }
        return x;
    }

    /** The latent a finished run gives the VAE: as it stands at a final sigma 0, the model's own at a grid's last. */
    public static float[] finalLatent(float[] x, float[] sigmas) {
        double last = sigmas[sigmas.length - 1];
        if (last == 0) {
            return x;
        }
        double scale = 1 / Math.sqrt(1 + last * last);
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (x[k] * scale);
        }
        return x;
    }

    /** A sampler as a request names it, and the schedule an old combined name carried (or null). */
    public record Named(Sampler sampler, Schedule schedule) {}

    /**
     * By any name {@link #named} takes, or an old combined name such as "DPM++ 2M Karras", split into sampler and
     * schedule as A1111 splits it; an unknown one is bad input.
     */
    public static Named parse(String name) {
        Schedule suffix = Schedule.suffixOf(name);
        if (suffix == null) {
            return new Named(named(name), null);
        }
        String stem = name.strip();
        return new Named(named(stem.substring(0, stem.lastIndexOf(' '))), suffix);
    }

    /** By our id, A1111's label or one of its aliases, case-insensitive. */
    public static Sampler named(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (Sampler s : values()) {
            if (Stream.concat(Stream.of(s.id, s.a1111Label), s.aliases.stream())
                    .anyMatch(n -> n.toLowerCase(Locale.ROOT).equals(wanted))) {
                return s;
            }
        }
        throw Problem.badInput("unknown sampler '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Sampler::id).collect(Collectors.joining(", ")));
    }

    /**
     * What one step knows besides x: the run's sigmas and its place in them, the denoiser's answer at this sigma,
     * what the sampler kept from earlier steps (newest first), the denoiser for further evaluations, and the noise.
     */
    record Step(int index, float[] sigmas, float[] denoised, List<float[]> history, Denoiser model, NoiseStream noise,
                double eta) {
        double sigma() {
            return sigmas[index];
        }

        double next() {
            return sigmas[index + 1];
        }

        /** The sigma {@code back} steps before this one. */
        double previousSigma(int back) {
            return sigmas[index - back];
        }

        /** The negative prompt's answer at this sigma ({@link Denoiser#lastUnguided}), or the answer without guidance. */
        float[] unguided() {
            float[] u = model.lastUnguided();
            return u != null ? u : denoised;
        }

        /** Asks the denoiser once more, at another sigma. */
        float[] denoise(float[] x, double sigma) {
            return checked(model.denoise(x, (float) sigma), x);
        }
    }

    /** Moves {@code x} (in place) from {@code s.sigma()} to {@code s.next()}; returns what to keep for later steps. */
    abstract float[] step(float[] x, Step s);

    /**
     * Runs the sampler from {@code start} (left unchanged) through {@code sigmas}. The listener sees
     * the live arrays after each step: copy them to keep them. Ancestral and SDE steps draw their fresh noise from
     * {@code noise}. Returns null when it cancels.
     */
    public float[] run(Denoiser model, float[] start, float[] sigmas, NoiseStream noise, StepListener listener) {
        return run(model, start, sigmas, noise, defaultEta(), listener);
    }

    /** {@link #run} with A1111's {@code eta}: how much fresh noise each step adds, for the samplers that take it. */
    public float[] run(Denoiser model, float[] start, float[] sigmas, NoiseStream noise, double eta, StepListener listener) {
        checkSigmas(sigmas);
        if (this == RESTART) {
            return restart(model, start, sigmas, noise, listener);
        }
        if (this == UNIPC) {
            return uniPc(model, start, sigmas, listener);
        }
        float[] x = start.clone();
        int steps = sigmas.length - 1;
        List<float[]> history = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            float[] denoised = checked(model.denoise(x, sigmas[i]), x);
            float[] kept = step(x, new Step(i, sigmas, denoised, List.copyOf(history), model, noise, eta));
            if (kept != null) {
                history.addFirst(kept == denoised ? denoised.clone() : kept); // the denoiser may reuse its buffer
                if (history.size() > HISTORY) {
                    history.removeLast();
                }
            }
            if (listener != null && !listener.onStep(i + 1, steps, x, denoised)) {
                return null;
            }
        }
        return x;
    }

    /**
     * PNDM's Adams-Bashforth combination at element {@code j} of the slope {@code d} and up to three earlier ones
     * ({@code old}, newest first): orders 1 to 4 with fixed coefficients, as PLMS and iPNDM use them.
     */
    private static float adamsBashforth(float[] d, List<float[]> old, int j) {
        return switch (old.size()) {
            case 0 -> d[j];
            case 1 -> (3 * d[j] - old.get(0)[j]) / 2;
            case 2 -> (23 * d[j] - 16 * old.get(0)[j] + 5 * old.get(1)[j]) / 12;
            default -> (55 * d[j] - 59 * old.get(0)[j] + 37 * old.get(1)[j] - 9 * old.get(2)[j]) / 24;
        };
    }

    /** The steps a run over {@code sigmas} reports: one per pair of sigmas, Restart's with its way back up. */
    public int stepCount(float[] sigmas) {
        return this == RESTART && sigmas.length > 1 ? restartPlan(sigmas).size() : sigmas.length - 1;
    }

    /**
     * UniPC's multistep run in sigma space (where its data-prediction update loses the alphas: {@code lambda = -log
     * sigma}). The model's answers are kept oldest first with the index of their sigma, at most the order's worth.
     */
    private static float[] uniPc(Denoiser model, float[] start, float[] sigmas, StepListener listener) {
        int steps = sigmas.length - 1;
        int order = Math.min(UNIPC_ORDER, steps); // A1111 refuses fewer steps than its order; this runs them lower
        float[] x = start.clone();
        List<float[]> answers = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        answers.add(checked(model.denoise(x, sigmas[0]), x).clone());
        at.add(0);
        for (int step = 1; step <= steps; step++) {
            int stepOrder = step < order ? step : Math.min(order, steps + 1 - step);
            float[] answer = uniPcStep(model, x, answers, at, sigmas, step, stepOrder, step < steps);
            if (answers.size() == order) {
                answers.removeFirst();
                at.removeFirst();
            }
            answers.add(answer);
            at.add(step);
            if (listener != null && !listener.onStep(step, steps, x, answer != null ? answer : answers.get(answers.size() - 2))) {
                return null;
            }
        }
        return x;
    }

    /**
     * One UniPC bh1 update of {@code x} (in place) to {@code sigmas[target]} from the last {@code order} answers:
     * the predictor, then (with {@code correct}) the model at the prediction and the corrector. Returns that answer
     * (null without the corrector).
     */
    private static float[] uniPcStep(Denoiser model, float[] x, List<float[]> answers, List<Integer> at, float[] sigmas,
                                     int target, int order, boolean correct) {
        int last = answers.size() - 1;
        float[] m0 = answers.get(last);
        if (sigmas[target] == 0) { // UniPC never walks to sigma 0 itself; a schedule that does ends on the answer
            System.arraycopy(m0, 0, x, 0, x.length);
            return null;
        }
        double sigmaP0 = sigmas[at.get(last)];
        double sigmaT = sigmas[target];
        double h = Math.log(sigmaP0 / sigmaT); // lambda_t - lambda_prev
        double[] rks = new double[order];
        float[][] d1s = new float[order - 1][];
        for (int i = 1; i < order; i++) {
            rks[i - 1] = Math.log(sigmaP0 / sigmas[at.get(last - i)]) / h;
            float[] older = answers.get(last - i);
            float[] d = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                d[j] = (float) ((older[j] - m0[j]) / rks[i - 1]);
            }
            d1s[i - 1] = d;
        }
        rks[order - 1] = 1;
        double hh = -h;
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double bh = hh; // B(h) of the bh1 variant
        double[][] r = new double[order][order];
        double[] b = new double[order];
        double factorial = 1;
        for (int i = 0; i < order; i++) {
            for (int c = 0; c < order; c++) {
                r[i][c] = Math.pow(rks[c], i);
            }
            b[i] = hPhiK * factorial / bh;
            factorial *= i + 2;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        double[] rhosP = order == 1 ? new double[0] : order == 2 ? new double[] {0.5} : solve(r, b, order - 1);
        double ratio = sigmaT / sigmaP0;
        float[] base = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            double predictorResidual = 0;
            for (int i = 0; i < rhosP.length; i++) {
                predictorResidual += rhosP[i] * d1s[i][j];
            }
            base[j] = (float) (ratio * x[j] - hPhi1 * m0[j]);
            x[j] = (float) (base[j] - bh * predictorResidual);
        }
        if (!correct) {
            return null;
        }
        float[] answer = checked(model.denoise(x, sigmas[target]), x).clone();
        double[] rhosC = order == 1 ? new double[] {0.5} : solve(r, b, order);
        for (int j = 0; j < x.length; j++) {
            double correctorResidual = rhosC[order - 1] * (answer[j] - m0[j]);
            for (int i = 0; i < order - 1; i++) {
                correctorResidual += rhosC[i] * d1s[i][j];
            }
            x[j] = (float) (base[j] - bh * correctorResidual);
        }
        return answer;
    }

    /** Solves the leading {@code n} x {@code n} system of {@code a} for the first {@code n} of {@code b} (Gauss, pivoting). */
    private static double[] solve(double[][] a, double[] b, int n) {
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
                    pivot = row;
                }
            }
            double[] swap = m[col];
            m[col] = m[pivot];
            m[pivot] = swap;
            for (int row = col + 1; row < n; row++) {
                double f = m[row][col] / m[col][col];
                for (int c = col; c <= n; c++) {
                    m[row][c] -= f * m[col][c];
                }
            }
        }
        double[] out = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double v = m[i][n];
            for (int c = i + 1; c < n; c++) {
                v -= m[i][c] * out[c];
            }
            out[i] = v / m[i][i];
        }
        return out;
    }

    /** Restart's run: each (from, to) of its plan a Heun step, fresh noise first wherever the plan goes back up. */
    private static float[] restart(Denoiser model, float[] start, float[] sigmas, NoiseStream noise, StepListener listener) {
        float[] x = start.clone();
        List<float[]> plan = restartPlan(sigmas);
        float last = Float.NaN;
        for (int i = 0; i < plan.size(); i++) {
            float[] pair = plan.get(i);
            if (last < pair[0]) {
                addNoise(x, noise, Math.sqrt((double) pair[0] * pair[0] - (double) last * last));
            }
            float[] denoised = checked(model.denoise(x, pair[0]), x);
            HEUN.step(x, new Step(0, pair, denoised, List.of(), model, noise, 0));
            last = pair[1];
            if (listener != null && !listener.onStep(i + 1, plan.size(), x, denoised)) {
                return null;
            }
        }
        return x;
    }

    /** Restart's (from, to) sigma pairs for a run given {@code sigmas}, as {@code restart_sampler} makes them (float32). */
    static List<float[]> restartPlan(float[] given) {
        int steps = given.length - 1;
        float[] sigmas = given;
        int restartSteps = 0;
        int restartTimes = 0;
        if (steps >= 20) {
            restartSteps = steps >= 36 ? steps / 4 : 9;
            restartTimes = steps >= 36 ? 2 : 1;
            sigmas = toFloats(Schedule.karras(steps - restartSteps * restartTimes, given[given.length - 2], given[0]));
        }
        List<float[]> plan = new ArrayList<>();
        int restartAt = restartTimes > 0 ? nearest(sigmas, 0.1) : -1;
        for (int i = 0; i < sigmas.length - 1; i++) {
            plan.add(new float[] {sigmas[i], sigmas[i + 1]});
            int minIdx = i + 1;
            int maxIdx = nearest(sigmas, 2);
            if (minIdx == restartAt && maxIdx < minIdx) {
                float[] back = toFloats(Schedule.karras(restartSteps + 1, sigmas[minIdx], sigmas[maxIdx]));
                for (int time = 0; time < restartTimes; time++) {
                    for (int k = 0; k + 1 < back.length - 1; k++) { // the Karras ramp without its final 0
                        plan.add(new float[] {back[k], back[k + 1]});
                    }
                }
            }
        }
        return plan;
    }

    /** torch's {@code argmin(abs(sigmas - target))}: the first index nearest the target. */
    private static int nearest(float[] sigmas, double target) {
        int best = 0;
        for (int i = 1; i < sigmas.length; i++) {
            if (Math.abs(sigmas[i] - (float) target) < Math.abs(sigmas[best] - (float) target)) {
                best = i;
            }
        }
        return best;
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    private static float[] checked(float[] denoised, float[] x) {
        if (denoised == null || denoised.length != x.length || denoised == x) {
            throw new IllegalStateException("the denoiser must return a new array of " + x.length + " values");
        }
        return denoised;
    }

    /** {@code x += d * (target - sigma)} with k-diffusion's {@code d = (x - denoised) / sigma}. */
    private static void eulerTo(float[] x, float[] denoised, double sigma, double target) {
        double factor = (target - sigma) / sigma;
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (x[j] + (x[j] - denoised[j]) * factor);
        }
    }

    /**
     * A1111's DDIM step to the next grid timestep, in sigma space (divided by {@code sqrt(alpha_prev)}): the denoised
     * latent, plus the noise direction {@code (x - direction) / sigma} scaled to what eta leaves of the next level,
     * plus eta's share of fresh noise {@code eta sqrt((1 - a_prev) / (1 - a) (1 - a / a_prev))}. {@code direction}
     * is the denoised latent (DDIM) or the negative prompt's (DDIM CFG++). At eta 0: {@code denoised + next (x -
     * direction) / sigma}, CFG++'s Euler step when the direction is the negative prompt's.
     */
    private static void ddimTo(float[] x, Step s, float[] direction) {
        double alpha = 1 / (1 + s.sigma() * s.sigma());
        double alphaPrev = 1 / (1 + s.next() * s.next());
        double fresh = s.eta() * Math.sqrt((1 - alphaPrev) / (1 - alpha) * (1 - alpha / alphaPrev));
        double towards = Math.sqrt(Math.max(0, 1 - alphaPrev - fresh * fresh) / alphaPrev) / s.sigma();
        float[] denoised = s.denoised();
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (denoised[j] + (x[j] - direction[j]) * towards);
        }
        if (fresh > 0) {
            addNoise(x, s.noise(), fresh / Math.sqrt(alphaPrev));
        }
    }

    /** CFG++'s step: {@code x = denoised + target * (x - unguided) / sigma}. */
    private static void cfgPlusPlusTo(float[] x, Step s, double target) {
        float[] denoised = s.denoised();
        float[] unguided = s.unguided();
        double factor = target / s.sigma();
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (denoised[j] + (x[j] - unguided[j]) * factor);
        }
    }

    private static float[] derivative(float[] x, float[] denoised, double sigma) {
        float[] d = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            d[j] = (float) ((x[j] - denoised[j]) / sigma);
        }
        return d;
    }

    /**
     * DPM-Solver-2 to {@code target}: Euler to the log-midpoint, the slope there taken for the whole step; Euler
     * alone when the target is 0. True when it took the second-order path.
     */
    private static boolean midpointTo(float[] x, Step s, double target) {
        if (target == 0) {
            eulerTo(x, s.denoised(), s.sigma(), 0);
            return false;
        }
        double mid = Math.exp((Math.log(s.sigma()) + Math.log(target)) / 2);
        float[] d = derivative(x, s.denoised(), s.sigma());
        float[] x2 = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            x2[j] = (float) (x[j] + d[j] * (mid - s.sigma()));
        }
        float[] d2 = derivative(x2, s.denoise(x2, mid), mid);
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (x[j] + d2[j] * (target - s.sigma()));
        }
        return true;
    }

    /** k-diffusion's {@code get_ancestral_step}: {sigma_down, sigma_up} with down^2 + up^2 = to^2. */
    private static double[] ancestral(double from, double to, double eta) {
        double up = Math.min(to, eta * Math.sqrt(to * to * (from * from - to * to) / (from * from)));
        return new double[] {Math.sqrt(to * to - up * up), up};
    }

    /**
     * An SDE sampler's noise for its step from {@code from} to {@code to}, {@code amount} of it: the Brownian tree's
     * ({@link BrownianNoise}) as A1111's and ComfyUI's, else the generator's next draw.
     */
    private static void addSdeNoise(float[] x, Step s, double from, double to, double amount) {
        if (!(s.noise() instanceof BrownianNoise brownian)) {
            addNoise(x, s.noise(), amount);
            return;
        }
        float[] fresh = brownian.between((float) from, (float) to);
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (x[j] + fresh[j] * amount);
        }
    }

    /** Draws the next noise and adds {@code amount} of it. */
    private static void addNoise(float[] x, NoiseStream noise, double amount) {
        float[] fresh = noise.next(x.length);
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (x[j] + fresh[j] * amount);
        }
    }

    /**
     * k-diffusion's {@code linear_multistep_coeff}: the integral over [sigma_i, sigma_i+1] of the Lagrange basis
     * polynomial of slope j (0 = this step's) through the last {@code order} sigmas, exactly by Gauss-Legendre
     * (3 points integrate the cubic at most exactly).
     */
    static double lmsCoefficient(int order, float[] t, int i, int j) {
        double a = t[i];
        double b = t[i + 1];
        double[] nodes = {-Math.sqrt(0.6), 0, Math.sqrt(0.6)};
        double[] weights = {5 / 9.0, 8 / 9.0, 5 / 9.0};
        double sum = 0;
        for (int q = 0; q < 3; q++) {
            double tau = (a + b) / 2 + (b - a) / 2 * nodes[q];
            double product = 1;
            for (int k = 0; k < order; k++) {
                if (k != j) {
                    product *= (tau - t[i - k]) / (t[i - j] - t[i - k]);
                }
            }
            sum += weights[q] * product;
        }
        return sum * (b - a) / 2;
    }

    private static void checkSigmas(float[] sigmas) {
        if (sigmas.length == 0) {
            throw new IllegalArgumentException("no sigmas");
        }
        for (int i = 0; i < sigmas.length; i++) {
            boolean ok = Float.isFinite(sigmas[i]) && sigmas[i] >= 0 && (i == 0 || sigmas[i] < sigmas[i - 1])
                    && (sigmas[i] > 0 || i == sigmas.length - 1);
            if (!ok) {
                throw new IllegalArgumentException("sigmas must be positive and strictly descending, only the last may be 0: "
                        + Arrays.toString(sigmas));
            }
        }
    }
}
