package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.model.Prediction;
import com.mysticanvas.sd.noise.NoiseSettings;
import com.mysticanvas.sd.noise.Rng;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import com.mysticanvas.sd.tokenizer.LoraTags;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One image request, already parsed from whatever API it came through, made with {@link #builder()} (whose
 * defaults are {@link #DEFAULTS}, written nowhere else). The sampler and schedule are parsed once, when the request
 * is built. User-facing bounds are checked once, by {@link #validate} when the job is submitted, before anything
 * is allocated, so a 100000x100000 request costs nothing; code past the queue trusts them.
 *
 * @param prompt         A1111 syntax (weights, but LoRA tags already taken out into {@code loras})
 * @param negativePrompt likewise, may be empty
 * @param size           pixels, sides multiples of 8
 * @param steps          sampler steps
 * @param cfgScale       classifier-free guidance scale (1 = no unconditional pass)
 * @param sampler        the update rule
 * @param schedule       how the sigmas are spread
 * @param seed           image i of the batch uses seed + i
 * @param batchCount     images to make, one after another
 * @param loras          LoRA file names in models/sd/loras with weights
 * @param init           img2img / inpainting source, or null for txt2img
 * @param clipSkip       1 = last text-encoder layer, 2 = the one before it, up to 12 (SD 1.x only)
 * @param prediction     what the UNet predicts when the checkpoint does not say (null = automatic, see
 *                       {@link SdModel#prediction})
 * @param noise          the generator and A1111's variation seed, "resize seed from" and eta noise seed delta
 * @param hires          txt2img's hires fix, or null (an img2img request never has one, as in A1111)
 */
public record GenerationRequest(String prompt, String negativePrompt, ImageSize size, int steps, float cfgScale,
                                Sampler sampler, Schedule schedule, long seed, int batchCount, List<LoraWeight> loras,
                                Init init, int clipSkip, Prediction prediction, NoiseSettings noise, HiresFix hires) {
    /** What every image API uses for a field its request leaves out; {@code /v1/images/capabilities} shows them. */
    /** A1111's largest clip skip (SD 1.x's text encoder has 12 layers). */
    public static final int MAX_CLIP_SKIP = 12;

    public static final Defaults DEFAULTS = new Defaults(ImageSize.DEFAULT, 20, 7f, Sampler.EULER_A, 1, 0.75, 1);

    /**
     * The defaults of a request ({@code strength}: of an edit, img2img or inpainting). The schedule's is
     * "Automatic": the sampler's own ({@link Sampler#automaticSchedule()}).
     */
    public record Defaults(ImageSize size, int steps, float cfgScale, Sampler sampler, int batchCount, double strength,
                           int clipSkip) {}

    /** A LoRA by file name and its strengths: {@code weight} on the text encoders, {@code unetWeight} on the UNet. */
    public record LoraWeight(String name, float weight, float unetWeight) {
        /** The same strength on both. */
        public LoraWeight(String name, float weight) {
            this(name, weight, weight);
        }

        /** The LoRAs a prompt's tags name. */
        public static List<LoraWeight> of(LoraTags tags) {
            return tags.loras().stream().map(t -> new LoraWeight(t.name(), t.weight(), t.unetWeight())).toList();
        }
    }

    /**
     * The image an img2img or inpainting request starts from.
     *
     * @param strength denoising strength 0..1 (0 returns the input)
     * @param mask     inpainting mask (white = repaint), the image's size, or null
     */
    public record Init(RgbImage image, double strength, RgbImage mask) {
        public Init {
            Objects.requireNonNull(image, "an init needs its image");
        }
    }

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(noise, "noise");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        loras = List.copyOf(loras);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this request's values, to make a variant of it. */
    public Builder toBuilder() {
        Builder b = new Builder().prompt(prompt).negativePrompt(negativePrompt).size(size).steps(steps)
                .cfgScale(cfgScale).sampler(sampler).schedule(schedule).seed(seed).batchCount(batchCount).loras(loras)
                .clipSkip(clipSkip).prediction(prediction);
        b.init = init;
        b.noise = noise;
        b.hires = hires;
        return b;
    }

    public int width() {
        return size.width();
    }

    public int height() {
        return size.height();
    }

    /**
     * Hires fix's second pass as a request of its own: the cropped hires size, the second pass's prompts, LoRAs,
     * steps, sampler and schedule, the same seeds and noise settings; null without hires fix.
     */
    public GenerationRequest secondPass() {
        if (hires == null) {
            return null;
        }
        return new GenerationRequest(hires.prompt(), hires.negativePrompt(), hires.size(size).cropped(), hires.steps(),
                cfgScale, hires.sampler(), hires.schedule(), seed, batchCount, hires.loras(), null, clipSkip, prediction,
                noise, null);
    }

    /**
     * Throws bad input naming the first field outside {@code limits}: the one check of a request's bounds, made
     * when its job is submitted.
     */
    public void validate(Limits limits) {
        size.checked(limits.maxImageSide());
        if (steps < 1 || steps > limits.maxSteps()) {
            throw Problem.badInput("steps must be between 1 and " + limits.maxSteps() + ", got " + steps);
        }
        if (!(cfgScale >= 0 && cfgScale <= 30)) {
            throw Problem.badInput("cfg_scale must be between 0 and 30, got " + cfgScale);
        }
        if (batchCount < 1 || batchCount > limits.maxBatch()) {
            throw Problem.badInput("n (batch count) must be between 1 and " + limits.maxBatch() + ", got " + batchCount);
        }
        int maxChars = limits.maxPromptChars();
        if (prompt.length() > maxChars) {
            throw Problem.badInput("prompt is longer than " + maxChars + " characters");
        }
        if (negativePrompt.length() > maxChars) {
            throw Problem.badInput("negative_prompt is longer than " + maxChars + " characters");
        }
        if (clipSkip < 1 || clipSkip > MAX_CLIP_SKIP) {
            throw Problem.badInput("clip_skip must be between 1 and " + MAX_CLIP_SKIP + ", got " + clipSkip);
        }
        if (!(noise.subseedStrength() >= 0 && noise.subseedStrength() <= 1)) {
            throw Problem.badInput("subseed_strength must be between 0 and 1, got " + noise.subseedStrength());
        }
        for (int side : new int[] {noise.resizeFromWidth(), noise.resizeFromHeight()}) {
            if (side < 0 || side > limits.maxImageSide()) {
                throw Problem.badInput("seed_resize_from_w and _h must be 0 (off) or sides up to "
                        + limits.maxImageSide() + ", got " + side);
            }
        }
        if (noise.eta() != null && !(noise.eta() >= 0 && noise.eta() <= 1)) {
            throw Problem.badInput("eta must be between 0 and 1, got " + noise.eta());
        }
        if (noise.etaNoiseSeedDelta() < 0) {
            throw Problem.badInput("eta_noise_seed_delta must not be negative, got " + noise.etaNoiseSeedDelta());
        }
        if (hires != null) {
            if (init != null) {
                throw Problem.badInput("hires fix is for txt2img; an img2img request cannot have it");
            }
            validateHires(limits);
        }
        if (init != null) {
            if (!(init.strength() >= 0 && init.strength() <= 1)) {
                throw Problem.badInput("strength must be between 0 and 1, got " + init.strength());
            }
            RgbImage image = init.image();
            RgbImage mask = init.mask();
            if (mask != null && (mask.width() != image.width() || mask.height() != image.height())) {
                throw Problem.badInput("mask is " + mask.width() + "x" + mask.height() + " but the image is "
                        + image.width() + "x" + image.height());
            }
        }
    }

    private void validateHires(Limits limits) {
        HiresSize target = hires.size(size);
        ImageSize upscaled = target.upscaled();
        if (upscaled.width() > limits.maxImageSide() || upscaled.height() > limits.maxImageSide()) {
            throw Problem.badInput("hires fix would make " + upscaled + ", larger than the largest side allowed, "
                    + limits.maxImageSide());
        }
        ImageSize cropped = target.cropped();
        if (cropped.width() < ImageSize.MIN_SIDE || cropped.height() < ImageSize.MIN_SIDE) {
            throw Problem.badInput("hires fix would make " + cropped + "; both sides must be at least " + ImageSize.MIN_SIDE);
        }
        if (hires.steps() < 1 || hires.steps() > limits.maxSteps()) {
            throw Problem.badInput("hr_second_pass_steps must be between 0 (the first pass's) and " + limits.maxSteps()
                    + ", got " + hires.steps());
        }
        if (!(hires.strength() >= 0 && hires.strength() <= 1)) {
            throw Problem.badInput("denoising_strength must be between 0 and 1, got " + hires.strength());
        }
        int maxChars = limits.maxPromptChars();
        if (hires.prompt().length() > maxChars || hires.negativePrompt().length() > maxChars) {
            throw Problem.badInput("hr_prompt and hr_negative_prompt must be at most " + maxChars + " characters");
        }
    }

    /** Makes requests; every field starts at its {@link #DEFAULTS default}, the seed at random. */
    public static final class Builder {
        private String prompt = "";
        private String negativePrompt = "";
        private ImageSize size = DEFAULTS.size();
        private int steps = DEFAULTS.steps();
        private float cfgScale = DEFAULTS.cfgScale();
        private Sampler sampler = DEFAULTS.sampler();
        /** Null: "Automatic", the sampler's own default ({@link Sampler#automaticSchedule()}). */
        private Schedule schedule;
        /** The schedule an old combined sampler name carried ("DPM++ 2M Karras"), which wins. */
        private Schedule nameSchedule;
        private long seed = -1;
        private int batchCount = DEFAULTS.batchCount();
        private List<LoraWeight> loras = List.of();
        private Init init;
        private int clipSkip = DEFAULTS.clipSkip();
        private Prediction prediction;
        private NoiseSettings noise = NoiseSettings.DEFAULT;
        /** As asked: its null prompt, LoRAs, sampler or schedule and 0 steps are the first pass's, filled in when built. */
        private HiresFix hires;

        private Builder() {}

        public Builder prompt(String prompt) {
            this.prompt = prompt;
            return this;
        }

        public Builder negativePrompt(String negativePrompt) {
            this.negativePrompt = negativePrompt;
            return this;
        }

        public Builder size(ImageSize size) {
            this.size = size;
            return this;
        }

        public Builder size(int width, int height) {
            return size(new ImageSize(width, height));
        }

        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        public Builder cfgScale(double cfgScale) {
            this.cfgScale = (float) cfgScale;
            return this;
        }

        public Builder sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /**
         * By any name {@link Sampler#named} takes (an unknown one is bad input), or an old combined name such as
         * "DPM++ 2M Karras", split into sampler and schedule as A1111 splits it; null keeps the current one.
         */
        public Builder sampler(String name) {
            if (name == null) {
                return this;
            }
            Sampler.Named named = Sampler.parse(name); // an old combined name's schedule wins, as in A1111
            this.nameSchedule = named.schedule();
            return sampler(named.sampler());
        }

        public Builder schedule(Schedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** By any name {@link Schedule#named} takes (an unknown one is bad input); null keeps the current one. */
        public Builder schedule(String name) {
            return name == null ? this : schedule(Schedule.named(name)); // "Automatic": null, the sampler's own
        }

        /** The seed of the first image; a negative one (A1111's -1) means a random one, drawn when built. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder batchCount(int batchCount) {
            this.batchCount = batchCount;
            return this;
        }

        public Builder loras(List<LoraWeight> loras) {
            this.loras = loras;
            return this;
        }

        /** Starts from {@code image} (img2img), repainting only where {@code mask} (may be null) is white. */
        public Builder init(RgbImage image, double strength, RgbImage mask) {
            this.init = new Init(image, strength, mask);
            return this;
        }

        public Builder clipSkip(int clipSkip) {
            this.clipSkip = clipSkip;
            return this;
        }

        public Builder prediction(Prediction prediction) {
            this.prediction = prediction;
            return this;
        }

        /** {@code auto} (or null), {@code eps} or {@code v}; anything else is bad input. */
        public Builder prediction(String name) {
            if (name == null || name.equalsIgnoreCase("auto")) {
                return prediction((Prediction) null);
            }
            for (Prediction p : Prediction.values()) {
                if (p.id().equalsIgnoreCase(name.strip())) {
                    return prediction(p);
                }
            }
            throw Problem.badInput("prediction must be auto, eps or v, got " + name);
        }

        /** The noise generator; null keeps the current one. */
        public Builder rng(Rng rng) {
            if (rng != null) {
                noise = noise.withRng(rng);
            }
            return this;
        }

        /** By any name {@link Rng#named} takes (A1111's "GPU", "CPU", "NV"; an unknown one is bad input); null keeps it. */
        public Builder rng(String name) {
            return name == null ? this : rng(Rng.named(name));
        }

        /**
         * A1111's variation seed: {@code subseed} (negative: a random one, drawn when built) mixed in with
         * {@code strength}, "resize seed from" ({@code 0, 0}: off) and the eta noise seed delta, keeping the generator.
         */
        public Builder variation(long subseed, double strength, int resizeFromWidth, int resizeFromHeight,
                                 long etaNoiseSeedDelta) {
            noise = new NoiseSettings(noise.rng(), subseed, strength, resizeFromWidth, resizeFromHeight, etaNoiseSeedDelta,
                    noise.eta());
            return this;
        }

        /** A1111's {@code eta} for the samplers that take it (null: each sampler's default, 1 or DDIM's 0). */
        public Builder eta(Double eta) {
            noise = noise.withEta(eta);
            return this;
        }

        /**
         * Hires fix (null: none). Its prompt ({@code null} or empty: the first pass's, with its LoRAs), sampler and
         * schedule (null: the first pass's; an "Automatic" first pass gives the hires sampler its own) and steps
         * (0: the first pass's) are filled in when built, as A1111 fills them in.
         */
        public Builder hires(HiresFix hires) {
            this.hires = hires;
            return this;
        }

        public GenerationRequest build() {
            Schedule asked = nameSchedule != null ? nameSchedule : schedule;
            Schedule resolved = asked != null ? asked : sampler.automaticSchedule();
            NoiseSettings n = noise.subseed() >= 0 || !noise.varied() ? noise
                    : new NoiseSettings(noise.rng(), randomSeed(), noise.subseedStrength(), noise.resizeFromWidth(),
                            noise.resizeFromHeight(), noise.etaNoiseSeedDelta(), noise.eta());
            return new GenerationRequest(prompt, negativePrompt, size, steps, cfgScale, sampler, resolved,
                    seed >= 0 ? seed : randomSeed(), batchCount, loras, init, clipSkip, prediction, n, resolvedHires(asked));
        }

        private HiresFix resolvedHires(Schedule asked) {
            if (hires == null) {
                return null;
            }
            boolean samePrompt = hires.prompt() == null || hires.prompt().isEmpty();
            boolean sameNegative = hires.negativePrompt() == null || hires.negativePrompt().isEmpty();
            Sampler hiresSampler = hires.sampler() != null ? hires.sampler() : sampler;
            Schedule hiresSchedule = hires.schedule() != null ? hires.schedule()
                    : asked != null ? asked : hiresSampler.automaticSchedule();
            return new HiresFix(hires.upscaler(), hires.scale(), hires.resizeWidth(), hires.resizeHeight(),
                    hires.steps() == 0 ? steps : hires.steps(), hires.strength(), samePrompt ? prompt : hires.prompt(),
                    sameNegative ? negativePrompt : hires.negativePrompt(),
                    samePrompt || hires.loras() == null ? loras : hires.loras(), hiresSampler, hiresSchedule);
        }

        /** A1111's random seeds are 32-bit. */
        private static long randomSeed() {
            return ThreadLocalRandom.current().nextLong(1L << 32);
        }
    }
}
