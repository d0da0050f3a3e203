package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OrtException;
import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.system.SystemMemory;
import com.mysticanvas.sd.image.GenerationParameters;
import com.mysticanvas.sd.image.Png;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.model.ModelHashes;
import com.mysticanvas.sd.model.Prediction;
import com.mysticanvas.sd.noise.BrownianNoise;
import com.mysticanvas.sd.noise.ImageNoise;
import com.mysticanvas.sd.noise.NoiseSettings;
import com.mysticanvas.sd.noise.NoiseStream;
import com.mysticanvas.sd.noise.Rng;
import com.mysticanvas.sd.sampling.Denoiser;
import com.mysticanvas.sd.sampling.LcmSchedule;
import com.mysticanvas.sd.sampling.NoiseSchedule;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Sampling;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.tokenizer.ComposablePrompt;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * txt2img, img2img and inpainting on a loaded {@link SdModel}: prompt to text embeddings (A1111 weighting, long
 * prompts in 77-token windows), classifier-free guidance with the conditional and unconditional passes in one
 * UNet call, the sampler, then the VAE decoder (tiled for large images). Call it from
 * one engine thread; same seed and parameters give the same bytes.
 */
public final class SdPipeline {
    /**
     * When a whole decode would not fit in memory, the latent is decoded in tiles of this many cells per side.
     * Tiles normalise their own group-norm statistics, so a tiled image differs a little from a whole one (as
     * A1111's does when it falls back to tiling): it is the fallback, not the rule.
     */
    static final int DECODE_TILE = 64;
    static final int DECODE_OVERLAP = 16;
    /** What a whole VAE decode takes per output pixel: about 1.3 GB at 512x512 on CPU (docs/benchmarks.md). */
    static final long WHOLE_DECODE_BYTES_PER_PIXEL = 5_000;

    private final Supplier<ClipTokenizer> tokenizerSource;
    private ClipTokenizer tokenizer;
    private final Function<String, Path> loraFiles;
    private final Supplier<List<Path>> embeddingFiles;
    private final UpscalerModels upscalers;
    private final PreviewDecoders previews;

    /** A pipeline without textual-inversion embeddings or upscaler models. */
    public SdPipeline(Supplier<ClipTokenizer> tokenizer, Function<String, Path> loraFiles) {
        this(tokenizer, loraFiles, List::of, new UpscalerModels(name -> {
            throw Problem.notFound("upscaler '" + name + "' not found: this pipeline has no upscaler models");
        }, 1));
    }

    /**
     * @param loraFiles      resolves a LoRA name from a request to its file (throwing a 4xx for a bad name)
     * @param embeddingFiles the textual-inversion embeddings there are now (models/sd/embeddings), read per generation
     * @param upscalers      hires fix's upscaler models
     */
    public SdPipeline(Supplier<ClipTokenizer> tokenizer, Function<String, Path> loraFiles,
                      Supplier<List<Path>> embeddingFiles, UpscalerModels upscalers) {
        this(tokenizer, loraFiles, embeddingFiles, upscalers, PreviewDecoders.NONE);
    }

    /** @param previews the live previews' decoders (TAESD when there is one) */
    public SdPipeline(Supplier<ClipTokenizer> tokenizer, Function<String, Path> loraFiles,
                      Supplier<List<Path>> embeddingFiles, UpscalerModels upscalers, PreviewDecoders previews) {
        this.tokenizerSource = tokenizer;
        this.loraFiles = loraFiles;
        this.embeddingFiles = embeddingFiles;
        this.upscalers = upscalers;
        this.previews = previews;
    }

    public List<GeneratedImage> generate(SdModel model, GenerationRequest r, ProgressListener progress)
            throws IOException, OrtException {
        // The request's bounds were checked when its job was submitted (GenerationRequest.validate).
        int factor = model.vae().factor();
        if (r.width() <= 0 || r.height() <= 0 || r.width() % factor != 0 || r.height() % factor != 0) {
            throw new IllegalArgumentException("image size " + r.size() + " is not a multiple of the VAE's " + factor);
        }
        if (r.hires() != null) {
            upscalers.check(r.hires().upscaler()); // a missing model is told before the first pass, not after
        }
        int h = r.height() / factor;
        int w = r.width() / factor;
        int channels = model.vae().latentChannels();
        int latentSize = channels * h * w;

        GenerationRequest.Init start = r.init();
        RgbImage init = start == null ? null : start.image().resized(r.width(), r.height());
        RgbImage mask = start == null || start.mask() == null ? null : start.mask().resized(r.width(), r.height());
        if (init != null && start.strength() == 0 && mask == null) {
            return repeat(init, r, model); // nothing to denoise: the input is the answer
        }
        List<Path> embeddingPaths = embeddingFiles.get();
        Embeddings embeddings = embeddingPaths.isEmpty() ? Embeddings.NONE
                : Embeddings.load(embeddingPaths, model.spec(), tokenizer());
        Set<String> usedEmbeddings = new TreeSet<>(); // for the infotext's TI hashes
        TextConditioning.Prompts prompts = prompts(embeddings, usedEmbeddings);
        Pass first = pass(model, r, 0, model.inpainting() ? inpaintingInput(model, init, mask, r.width(), r.height()) : null,
                prompts);
        float[] initLatent = init == null ? null : model.encode(init.toPlanar(), r.height(), r.width());
        float[] latentMask = mask == null ? null : latentMask(mask, factor, channels);
        Sampling.Img2img run = init == null ? new Sampling.Img2img(first.sigmas(), first.sigmas()[0])
                : r.sampler().img2img(first.sigmas(), model.noiseSchedule(), r.steps(), start.strength());
        float[] sigmas = run.sigmas();

        // Hires fix: its pass is prepared when the first image reaches it, its steps counted after the first pass's.
        GenerationRequest second = r.secondPass();
        Sampling.Img2img hiresRun = second == null ? null
                : second.sampler().img2img(sigmas(model, second), model.noiseSchedule(), second.steps(),
                        r.hires().strength());
        Pass hires = null;
        int firstSteps = r.sampler().stepCount(sigmas);
        int allSteps = firstSteps + (hiresRun == null ? 0 : second.sampler().stepCount(hiresRun.sigmas()));

        List<GeneratedImage> images = new ArrayList<>();
        for (int i = 0; i < r.batchCount(); i++) {
            long seed = r.seed() + i;
            long subseed = r.noise().subseed() + i;
            model.useLoras(first.loras());
            ImageNoise.Start noise = ImageNoise.start(r.noise(), seed, subseed, channels, h, w, factor);
            Sampled s = sample(model, first, run, initLatent, latentMask, noise, h, w, progress, i, 0, allSteps);
            float[] latent = s.latent();
            if (latentMask != null) {
                for (int k = 0; k < latentSize; k++) {
                    latent[k] = latentMask[k] * latent[k] + (1 - latentMask[k]) * initLatent[k];
                }
            }
            RgbImage pixels;
            ProgressListener.Stop stop = s.stop();
            if (second == null || stop != null) { // no hires fix, or stopped in the first pass: its image is the answer
                pixels = decode(model, latent, r.width(), r.height());
                if (mask != null) {
                    pixels = keepUnmasked(pixels, init, mask);
                }
            } else {
                float[] upscaled = upscale(model, r.hires(), r.size(), latent, channels);
                if (hires == null) {
                    hires = pass(model, second, r.sampler().scheduledSteps(r.steps()),
                            model.inpainting() ? inpaintingInput(model, null, null, second.width(), second.height()) : null,
                            prompts);
                }
                model.useLoras(hires.loras());
                int h2 = second.height() / factor;
                int w2 = second.width() / factor;
                ImageNoise.Start hiresNoise = ImageNoise.start(r.noise(), seed, subseed, channels, h2, w2, factor);
                Sampled s2 = sample(model, hires, hiresRun, upscaled, null, hiresNoise, h2, w2, progress, i, firstSteps,
                        allSteps);
                pixels = decode(model, s2.latent(), second.width(), second.height());
                stop = s2.stop();
            }
            List<String> warnings = new ArrayList<>(embeddings.problems());
            warnings.addAll(warnings(first, hires));
            images.add(finish(pixels, r, seed, model, warnings, tiHashes(embeddings, usedEmbeddings)));
            if (stop == ProgressListener.Stop.INTERRUPT) {
                break;
            }
        }
        return images;
    }

    /**
     * One sampling pass of a request, prepared: its LoRAs (made the ones in force, since the text encoders carry
     * them), conditionings, full sigma schedule and the inpainting UNet's extra channels (or null).
     */
    private record Pass(GenerationRequest request, List<SdModel.Lora> loras, List<Weighted> conds,
                        TextConditioning.Scheduled uncond, float[] sigmas, float[] extra, List<String> warnings) {}

    /** One part of the prompt ({@link ComposablePrompt}) scheduled over the run, and its weight in guidance. */
    private record Weighted(TextConditioning.Scheduled cond, float weight) {}

    /** The passes' warnings, each once. */
    private static List<String> warnings(Pass first, Pass hires) {
        LinkedHashSet<String> all = new LinkedHashSet<>(first.warnings());
        if (hires != null) {
            all.addAll(hires.warnings());
        }
        return List.copyOf(all);
    }

    /** A live preview of a latent as it is being sampled. */
    private interface Preview {
        byte[] png(float[] latent);
    }

    /** How a pass ended: its latent, and the stop asked for (null when it ran to the end). */
    private record Sampled(float[] latent, ProgressListener.Stop stop) {}

    /** {@code firstPassSteps}: 0 for a first pass, else hires fix's pass after one of that many scheduled steps. */
    private Pass pass(SdModel model, GenerationRequest r, int firstPassSteps, float[] extra, TextConditioning.Prompts prompts)
            throws IOException, OrtException {
        List<SdModel.Lora> loras = loras(r);
        model.useLoras(loras);
        Map<String, TextConditioning.Conditioning> encoded = new HashMap<>();
        ComposablePrompt composable = ComposablePrompt.of(r.prompt());
        List<Weighted> conds = new ArrayList<>();
        for (ComposablePrompt.Part part : composable.parts()) {
            conds.add(new Weighted(TextConditioning.schedule(model, prompts, r, part.text(), false, firstPassSteps, encoded),
                    part.weight()));
        }
        TextConditioning.Scheduled uncond = r.cfgScale() == 1f && !r.sampler().cfgPlusPlus() && composable.plain() ? null
                : TextConditioning.schedule(model, prompts, r, true, firstPassSteps, encoded);
        List<String> warnings = new ArrayList<>();
        model.unknownLoraKeys().forEach((file, keys) -> warnings.add("LoRA " + file + ": " + keys.size()
                + (keys.size() == 1 ? " key matches" : " keys match") + " no layer of this checkpoint and "
                + (keys.size() == 1 ? "was" : "were") + " left out (" + keys.getFirst() + (keys.size() > 1 ? ", …" : "") + ")"));
        return new Pass(r, loras, conds, uncond, sigmas(model, r), extra, warnings);
    }

    /** The request's LoRAs by file (a bad name is a 4xx). */
    private List<SdModel.Lora> loras(GenerationRequest r) {
        List<SdModel.Lora> loras = new ArrayList<>();
        for (GenerationRequest.LoraWeight l : r.loras()) {
            loras.add(new SdModel.Lora(loraFiles.apply(l.name()), l.weight(), l.unetWeight()));
        }
        return loras;
    }

    /** The request's whole schedule, before img2img's strength cuts it. */
    private static float[] sigmas(SdModel model, GenerationRequest r) {
        boolean xl = model.spec().family() == Family.SDXL || model.spec().family() == Family.SDXL_REFINER;
        return r.sampler().sigmas(r.schedule(), model.noiseSchedule(), r.steps(), xl);
    }

    /**
     * Runs one pass over {@code run}'s sigmas from {@code base} (null: from pure noise) noised to its noise level, as
     * A1111's samplers start img2img ({@link Sampler#startLatent}); with {@code latentMask}, only the masked part is repainted. Its steps are
     * reported as image {@code image}'s steps {@code before + 1} on, of {@code allSteps}.
     */
    private Sampled sample(SdModel model, Pass pass, Sampling.Img2img run, float[] base, float[] latentMask,
                           ImageNoise.Start start, int h, int w, ProgressListener progress, int image,
                           int before, int allSteps) throws OrtException {
        Preview previews = latent -> this.previews.png(model.spec().family(), latent, w, h);
        GenerationRequest r = pass.request();
        float[] noise = start.noise();
        float[] sigmas = run.sigmas();
        float[] x = r.sampler().startLatent(base, noise, sigmas, run.noiseSigma());
        if (sigmas.length == 1) {
            return new Sampled(Sampler.finalLatent(x, sigmas), null);
        }
        float lastSigma = sigmas[sigmas.length - 2]; // the last sigma is where a run ends, never a model call
        Denoiser denoiser = denoiser(model, pass.conds(), pass.uncond(), model.prediction(r.prediction()),
                model.noiseSchedule(), r.sampler(), r.sampler().guidanceScale(r.cfgScale()), h, w, lastSigma, pass.extra());
        if (latentMask != null) {
            denoiser = masked(denoiser, base, noise, latentMask);
        }
        ProgressListener.Stop[] stopped = {null};
        float[][] stoppedAt = {null};
        double eta = r.sampler().eta(r.noise().eta());
        NoiseStream stepNoise = r.sampler().brownian()
                ? BrownianNoise.over(start.steps(), r.noise().rng(), start.seed(), sigmas, x.length) : start.steps();
        float[] latent = r.sampler().run(denoiser, x, sigmas, stepNoise, eta, (step, steps, xs, denoised) -> {
            if (progress.onStep(image, r.batchCount(), before + step, allSteps, () -> previews.png(denoised))) {
                return true;
            }
            stopped[0] = progress.stop();
            stoppedAt[0] = denoised.clone(); // the sampler reuses it
            return false;
        });
        if (stopped[0] == ProgressListener.Stop.CANCEL) {
            throw new GenerationCancelledException();
        }
        return stopped[0] != null ? new Sampled(stoppedAt[0], stopped[0]) : new Sampled(Sampler.finalLatent(latent, sigmas), null);
    }

    /**
     * Hires fix's upscale of a first-pass latent, as A1111's {@code sample_hr_pass}: in latent space, or decoded,
     * resized and encoded again; then the centre cut out when the target has another aspect.
     */
    private float[] upscale(SdModel model, HiresFix hires, ImageSize first, float[] latent, int channels)
            throws IOException, OrtException {
        int factor = model.vae().factor();
        HiresSize size = hires.size(first);
        ImageSize up = size.upscaled();
        float[] upscaled = hires.upscaler() instanceof Upscaler u && u.latent()
                ? u.resizeLatent(latent, channels, first.height() / factor, first.width() / factor,
                        up.height() / factor, up.width() / factor)
                : model.encode(upscalers.upscale(hires.upscaler(), decode(model, latent, first.width(), first.height()),
                        up.width(), up.height(), UpscalerModel.TileProgress.NONE).toPlanar(), up.height(), up.width());
        ImageSize cropped = size.cropped();
        if (cropped.equals(up)) {
            return upscaled;
        }
        int upH = up.height() / factor;
        int upW = up.width() / factor;
        int h = cropped.height() / factor;
        int w = cropped.width() / factor;
        float[] out = new float[channels * h * w];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(upscaled, (c * upH + y + size.cropTopCells()) * upW + size.cropLeftCells(), out,
                        (c * h + y) * w, w);
            }
        }
        return out;
    }

    /** Tile side in latent cells for decoding {@code pixels} with {@code available} bytes free (no tiles: MAX_VALUE). */
    static int decodeTile(long pixels, long available) {
        return pixels * WHOLE_DECODE_BYTES_PER_PIXEL <= available / 4 * 3 ? Integer.MAX_VALUE : DECODE_TILE;
    }

    /** A latent through the VAE decoder: whole, or in tiles sharing its group-norm statistics when a whole decode would not fit. */
    private static RgbImage decode(SdModel model, float[] latent, int width, int height) throws OrtException {
        int factor = model.vae().factor();
        int tile = decodeTile((long) width * height, SystemMemory.ram().available());
        float[] planar = tile == Integer.MAX_VALUE ? model.decode(latent, height / factor, width / factor)
                : model.decodeTiled(latent, height / factor, width / factor, tile, DECODE_OVERLAP);
        return RgbImage.fromPlanar(planar, width, height);
    }

    /** The tokenizer, made on first use (reading its files takes a moment). */
    private synchronized ClipTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = tokenizerSource.get();
        }
        return tokenizer;
    }

    /** "name: hash" of each embedding the prompts used, as A1111's {@code TI hashes} lists them. */
    private static List<String> tiHashes(Embeddings embeddings, Set<String> used) {
        List<String> out = new ArrayList<>();
        for (String name : used) {
            Path file = embeddings.file(name);
            try {
                if (file != null) {
                    out.add(name + ": " + ModelHashes.embedding(file));
                }
            } catch (IOException unreadable) {
                // read for this image a moment ago; a hash that cannot be made leaves it out of the list only
            }
        }
        return out;
    }

    /** Prompts' 77-token windows with these embeddings placed in them; the ones a prompt used go into {@code used}. */
    private TextConditioning.Prompts prompts(Embeddings embeddings, Set<String> used) {
        List<PromptChunks.Embedding> names = embeddings.names();
        return new TextConditioning.Prompts() {
            @Override
            public PromptChunks of(String text) {
                return PromptChunks.of(tokenizer(), text, names);
            }

            @Override
            public float[] embeddingVectors(String name, int encoder) {
                used.add(name);
                return embeddings.vectors(name, encoder);
            }
        };
    }

    /** A1111's emphasis: scale each token's embedding by its weight, then restore the window's original mean. */
    static void applyWeights(float[] z, int offset, int tokens, int width, float[] weights) {
        double before = 0;
        double after = 0;
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < width; j++) {
                int i = offset + t * width + j;
                before += z[i];
                z[i] *= weights[t];
                after += z[i];
            }
        }
        if (after != 0 && before != after) {
            float restore = (float) (before / after);
            for (int i = offset; i < offset + tokens * width; i++) {
                z[i] *= restore;
            }
        }
    }

    /**
     * The UNet as k-diffusion's denoiser: input scaled by c_in = 1/sqrt(sigma^2+1), the output turned into the
     * denoised image as {@link Prediction#denoised} says. With guidance ({@code uncond} not null) the prompt's parts
     * and the negative prompt run as one batch [cond...; uncond] when their token counts match, else one after the
     * other, as A1111 does, and combine as A1111's {@code combine_denoised}: {@code uncond + sum(w_i * cfg * (cond_i -
     * uncond))} (one part of weight 1 is plain CFG); their conditionings follow the prompt schedules call by call. The
     * call at {@code lastSigma} is the last one. {@code extra}: for an inpainting checkpoint, the channels its UNet
     * takes after the latent (the mask, then the masked image's latent), the same at every step; null for a standard one.
     */
    private static Denoiser denoiser(SdModel model, List<Weighted> conds, TextConditioning.Scheduled uncond,
                                     Prediction prediction, NoiseSchedule noise, Sampler sampler, float cfg, int h,
                                     int w, float lastSigma, float[] extra) {
        LcmSchedule lcm = sampler == Sampler.LCM ? LcmSchedule.of(noise) : null;
        int[] calls = {0};
        int n = conds.size();
        // The batched [cond...; uncond] context of the conditionings last used: made again only when a schedule moves on.
        TextConditioning.Conditioning[] used = new TextConditioning.Conditioning[n + 1];
        float[][] batched = new float[2][];
        return new Denoiser() {
            private float[] unguided;

            @Override
            public float[] denoise(float[] x, float sigma) {
                int call = calls[0]++;
                TextConditioning.Conditioning[] cs = new TextConditioning.Conditioning[n + 1];
                for (int k = 0; k < n; k++) {
                    cs[k] = conds.get(k).cond().at(call);
                }
                TextConditioning.Conditioning u = uncond == null ? null : uncond.at(call);
                cs[n] = u;
                float timestep = (float) sampler.modelTimestep(noise, sigma);
                boolean last = sigma <= lastSigma;
                int len = x.length;
                float[] out;
                try {
                    if (u == null) {
                        TextConditioning.Conditioning c = cs[0];
                        out = unet(model, x, extra, 1, h, w, sigma, timestep, c.context(), c.tokens(), c.y(), last);
                    } else if (Arrays.stream(cs).allMatch(c -> c.tokens() == u.tokens())) {
                        if (!Arrays.equals(used, cs)) {
                            System.arraycopy(cs, 0, used, 0, n + 1);
                            batched[0] = concat(Arrays.stream(cs).map(TextConditioning.Conditioning::context).toList());
                            batched[1] = u.y() == null ? null : concat(Arrays.stream(cs).map(TextConditioning.Conditioning::y).toList());
                        }
                        out = unet(model, x, extra, n + 1, h, w, sigma, timestep, batched[0], u.tokens(), batched[1], last);
                    } else {
                        List<float[]> each = new ArrayList<>();
                        for (int k = 0; k <= n; k++) {
                            TextConditioning.Conditioning c = cs[k];
                            each.add(unet(model, x, extra, 1, h, w, sigma, timestep, c.context(), c.tokens(), c.y(), last && k == n));
                        }
                        out = concat(each);
                    }
                } catch (OrtException e) {
                    throw new IllegalStateException("UNet failed: " + e.getMessage(), e);
                }
                float[] denoised = new float[len];
                unguided = u == null ? null : new float[len];
                int uo = n * len;
                for (int i = 0; i < len; i++) {
                    float p;
                    if (u == null) {
                        p = out[i];
                    } else {
                        p = out[uo + i];
                        for (int k = 0; k < n; k++) {
                            p += conds.get(k).weight() * cfg * (out[k * len + i] - out[uo + i]);
                        }
                    }
                    denoised[i] = prediction.denoised(x[i], sigma, p);
                    if (lcm != null) {
                        denoised[i] = lcm.boundary(x[i], denoised[i], (int) timestep);
                    }
                    if (unguided != null) {
                        unguided[i] = prediction.denoised(x[i], sigma, out[uo + i]);
                    }
                }
                return denoised;
            }

            @Override
            public float[] lastUnguided() {
                return unguided;
            }

            @Override
            public NoiseSchedule schedule() {
                return noise;
            }
        };
    }

    /** One UNet call on {@code batch} copies of x scaled by c_in, each followed by the {@code extra} channels. */
    private static float[] unet(SdModel model, float[] x, float[] extra, int batch, int h, int w, float sigma,
                                float timestep, float[] context, int tokens, float[] y, boolean last) throws OrtException {
        float cin = (float) (1 / Math.sqrt((double) sigma * sigma + 1));
        int perImage = x.length + (extra == null ? 0 : extra.length);
        float[] sample = new float[perImage * batch];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < x.length; i++) {
                sample[b * perImage + i] = x[i] * cin;
            }
            if (extra != null) {
                System.arraycopy(extra, 0, sample, b * perImage + x.length, extra.length);
            }
        }
        float[] timesteps = new float[batch];
        Arrays.fill(timesteps, timestep);
        return model.unet(sample, batch, h, w, timesteps, context, tokens, y, last);
    }

    /**
     * Inpainting on a standard model: outside the mask the model sees the original latent noised to the current
     * level and is told the clean answer is the original, so the sampler keeps it; inside it paints freely.
     */
    private static Denoiser masked(Denoiser inner, float[] original, float[] noise, float[] mask) {
        return new Denoiser() {
            @Override
            public float[] denoise(float[] x, float sigma) {
                float[] blended = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    blended[i] = mask[i] * x[i] + (1 - mask[i]) * (original[i] + noise[i] * sigma);
                }
                return keepOriginal(inner.denoise(blended, sigma));
            }

            @Override
            public float[] lastUnguided() {
                float[] u = inner.lastUnguided();
                return u == null ? null : keepOriginal(u.clone());
            }

            @Override
            public NoiseSchedule schedule() {
                return inner.schedule();
            }

            private float[] keepOriginal(float[] d) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = mask[i] * d[i] + (1 - mask[i]) * original[i];
                }
                return d;
            }
        };
    }

    /**
     * What an inpainting UNet takes besides the latent, as A1111 makes it: the mask rounded to 0 or 1 (1 = repaint;
     * the UNet was trained on binary masks) and brought to latent size as torch's nearest {@code interpolate} does
     * (each cell takes its top-left pixel), then the latent of the init image with the part to repaint set to grey
     * (0 in [-1,1]). Without a mask everything is repainted, and without an init image the image is all grey:
     * plain txt2img or img2img.
     */
    static float[] inpaintingInput(SdModel model, RgbImage init, RgbImage mask, int width, int height)
            throws OrtException {
        int factor = model.vae().factor();
        float[] latentMask = mask == null ? null : binaryLatentMask(mask, factor);
        float[] pixels = new float[3 * width * height];
        if (init != null) {
            float[] source = init.toPlanar();
            int n = width * height;
            for (int i = 0; i < n; i++) {
                boolean repaint = mask == null || luminance(mask, i % width, i / width) > 0.5; // torch.round
                for (int c = 0; c < 3; c++) {
                    pixels[c * n + i] = repaint ? 0 : source[c * n + i];
                }
            }
        }
        float[] maskedLatent = model.encode(pixels, height, width);
        float[] extra = new float[maskedLatent.length / model.vae().latentChannels() + maskedLatent.length];
        int cell = extra.length - maskedLatent.length;
        if (latentMask == null) {
            Arrays.fill(extra, 0, cell, 1f);
        } else {
            System.arraycopy(latentMask, 0, extra, 0, cell);
        }
        System.arraycopy(maskedLatent, 0, extra, cell, maskedLatent.length);
        return extra;
    }

    /** The rounded mask at each latent cell's top-left pixel (torch's nearest resize), one channel. */
    static float[] binaryLatentMask(RgbImage mask, int factor) {
        int h = mask.height() / factor;
        int w = mask.width() / factor;
        float[] m = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                m[y * w + x] = luminance(mask, x * factor, y * factor) > 0.5 ? 1 : 0;
            }
        }
        return m;
    }

    /** The mask averaged over each latent cell (1 = repaint), repeated over the latent channels. */
    static float[] latentMask(RgbImage mask, int factor, int channels) {
        int h = mask.height() / factor;
        int w = mask.width() / factor;
        float[] m = new float[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double sum = 0;
                for (int dy = 0; dy < factor; dy++) {
                    for (int dx = 0; dx < factor; dx++) {
                        sum += luminance(mask, x * factor + dx, y * factor + dy);
                    }
                }
                float v = (float) (sum / (factor * factor));
                for (int c = 0; c < channels; c++) {
                    m[(c * h + y) * w + x] = v;
                }
            }
        }
        return m;
    }

    private static double luminance(RgbImage img, int x, int y) {
        return (img.at(x, y, 0) + img.at(x, y, 1) + img.at(x, y, 2)) / (3 * 255.0);
    }

    /** Pixels outside the mask come back exactly as they were. */
    private static RgbImage keepUnmasked(RgbImage generated, RgbImage original, RgbImage mask) {
        byte[] out = generated.rgb().clone();
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < mask.width(); x++) {
                double m = luminance(mask, x, y);
                for (int c = 0; c < 3; c++) {
                    int i = (y * mask.width() + x) * 3 + c;
                    out[i] = (byte) Math.round(m * (out[i] & 0xff) + (1 - m) * (original.rgb()[i] & 0xff));
                }
            }
        }
        return new RgbImage(out, generated.width(), generated.height());
    }

    private List<GeneratedImage> repeat(RgbImage init, GenerationRequest r, SdModel model) {
        List<GeneratedImage> images = new ArrayList<>();
        for (int i = 0; i < r.batchCount(); i++) {
            images.add(finish(init, r, r.seed() + i, model, List.of(), List.of()));
        }
        return images;
    }

    private GeneratedImage finish(RgbImage pixels, GenerationRequest r, long seed, SdModel model, List<String> warnings,
                                  List<String> tiHashes) {
        String parameters = parameters(r, seed, model, loraFiles, tiHashes);
        byte[] png = Png.encode(pixels.rgb(), pixels.width(), pixels.height(), Map.of(GenerationParameters.PNG_KEY, parameters));
        return new GeneratedImage(png, pixels, seed, parameters, warnings);
    }

    /**
     * A1111's infotext for one image (its PNG {@code parameters} chunk), LoRAs as prompt tags as A1111 writes them, with
     * the hashes civitai links models by ({@code Model hash}, {@code VAE hash}, {@code Lora hashes}) and the
     * {@code Version} that made it.
     */
    static String parameters(GenerationRequest r, long seed, SdModel model, Function<String, Path> loraFiles,
                             List<String> tiHashes) {
        GenerationParameters p = new GenerationParameters(withLoraTags(r.prompt(), r.loras()), r.negativePrompt(), r.steps(),
                r.sampler(), r.schedule(), r.cfgScale(), seed, r.width(), r.height(),
                ModelFolders.stem(model.checkpointName()));
        p = withHash(p, GenerationParameters.MODEL_HASH, model.checkpointPath(), ModelHashes::autoV2);
        if (model.vaeName() != null) {
            p = withHash(p, "VAE hash", model.vaePath(), ModelHashes::autoV2).with("VAE", model.vaeName());
        }
        if (r.init() != null) {
            p = p.with("Denoising strength", r.init().strength());
        }
        if (r.clipSkip() != 1) {
            p = p.with("Clip skip", r.clipSkip());
        }
        double eta = r.sampler().eta(r.noise().eta());
        if (r.sampler().takesEta() && eta != r.sampler().defaultEta()) {
            p = p.with(r.sampler().timestepGrid() ? "Eta DDIM" : "Eta", eta);
        }
        if (r.hires() != null) {
            p = withHires(p, r);
        }
        p = withNoise(p, r.noise(), seed - r.seed());
        List<String> loraHashes = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        r.loras().forEach(l -> named.add(l.name()));
        if (r.hires() != null) {
            r.hires().loras().forEach(l -> named.add(l.name()));
        }
        for (String name : named) {
            try {
                loraHashes.add(ModelFolders.stem(name) + ": " + ModelHashes.lora(loraFiles.apply(name)));
            } catch (IOException | RuntimeException unreadable) {
                // the LoRA was read for this image; a hash that cannot be made leaves it out of the list only
            }
        }
        if (!loraHashes.isEmpty()) {
            p = p.with("Lora hashes", String.join(", ", loraHashes));
        }
        if (!tiHashes.isEmpty()) {
            p = p.with("TI hashes", String.join(", ", tiHashes));
        }
        return p.with("Version", VERSION).toA1111();
    }

    /** What made the image, as A1111's {@code Version} field says it ({@code v1.10.1} there). */
    static final String VERSION = "MystiCanvas " + java.util.Objects.requireNonNullElse(
            SdPipeline.class.getPackage().getImplementationVersion(), "dev");

    private interface FileHash {
        String of(Path file) throws IOException;
    }

    private static GenerationParameters withHash(GenerationParameters p, String key, Path file, FileHash hash) {
        try {
            return p.with(key, hash.of(file));
        } catch (IOException e) {
            return p; // a file that cannot be read again leaves its hash out, not the image
        }
    }

    /** A1111's hires fix fields; the second pass's prompts, sampler and schedule only when they differ. */
    private static GenerationParameters withHires(GenerationParameters p, GenerationRequest r) {
        HiresFix h = r.hires();
        p = p.with("Denoising strength", h.strength());
        p = h.resizeWidth() == 0 && h.resizeHeight() == 0 ? p.with("Hires upscale", h.scale())
                : p.with("Hires resize", h.resizeWidth() + "x" + h.resizeHeight());
        if (h.steps() != r.steps()) {
            p = p.with("Hires steps", h.steps());
        }
        p = p.with("Hires upscaler", h.upscaler().a1111Name());
        if (!h.prompt().equals(r.prompt()) || !h.loras().equals(r.loras())) {
            p = p.with("Hires prompt", withLoraTags(h.prompt(), h.loras()));
        }
        if (!h.negativePrompt().equals(r.negativePrompt())) {
            p = p.with("Hires negative prompt", h.negativePrompt());
        }
        if (h.sampler() != r.sampler()) {
            p = p.with("Hires sampler", h.sampler().a1111Label());
        }
        if (h.schedule() != r.schedule()) {
            p = p.with("Hires schedule type", h.schedule().a1111Label());
        }
        return p;
    }

    /** A1111's noise fields, written only when they are not its defaults (as A1111 writes them). */
    private static GenerationParameters withNoise(GenerationParameters p, NoiseSettings noise, long index) {
        if (noise.varied()) {
            p = p.with("Variation seed", noise.subseed() + index).with("Variation seed strength", noise.subseedStrength());
        }
        if (noise.resized()) {
            p = p.with("Seed resize from", noise.resizeFromWidth() + "x" + noise.resizeFromHeight());
        }
        if (noise.etaNoiseSeedDelta() != 0) {
            p = p.with("ENSD", noise.etaNoiseSeedDelta());
        }
        return noise.rng() == Rng.GPU ? p : p.with("RNG", noise.rng().a1111Name());
    }

    private static String withLoraTags(String prompt, List<GenerationRequest.LoraWeight> loras) {
        StringBuilder out = new StringBuilder(prompt);
        for (GenerationRequest.LoraWeight l : loras) {
            out.append(" <lora:").append(ModelFolders.stem(l.name())).append(':').append(l.weight());
            if (l.unetWeight() != l.weight()) {
                out.append(':').append(l.unetWeight());
            }
            out.append('>');
        }
        return out.toString();
    }

    private static float[] concat(List<float[]> parts) {
        float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
