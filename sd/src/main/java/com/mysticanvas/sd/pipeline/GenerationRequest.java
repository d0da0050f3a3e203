package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Limits;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import java.util.List;

/**
 * One image request, already parsed from whatever API it came through. Bounds are checked by {@link #validate}
 * before anything is allocated, so a 100000x100000 request costs nothing.
 *
 * @param prompt         A1111 syntax (weights, but LoRA tags already taken out into {@code loras})
 * @param negativePrompt likewise, may be empty
 * @param width          pixels, multiple of 8
 * @param height         pixels, multiple of 8
 * @param steps          sampler steps
 * @param cfgScale       classifier-free guidance scale (1 = no unconditional pass)
 * @param sampler        sampler name
 * @param scheduler      {@code discrete} or {@code karras}
 * @param seed           image i of the batch uses seed + i
 * @param batchCount     images to make, one after another
 * @param loras          LoRA file names in models/sd/loras with weights
 * @param initImage      img2img / inpainting source (null for txt2img)
 * @param strength       img2img denoising strength 0..1 (0 returns the input)
 * @param mask           inpainting mask (white = repaint), same size as the init image, or null
 * @param clipSkip       1 = last text-encoder layer, 2 = the one before it
 */
public record GenerationRequest(String prompt, String negativePrompt, int width, int height, int steps, float cfgScale,
                                String sampler, String scheduler, long seed, int batchCount, List<LoraWeight> loras,
                                RgbImage initImage, double strength, RgbImage mask, int clipSkip) {
    public static final int MIN_SIDE = 64;

    /** A LoRA by file name and its strength. */
    public record LoraWeight(String name, float weight) {}

    /** A txt2img request with the usual defaults. */
    public static GenerationRequest txt2img(String prompt, int width, int height, int steps, long seed) {
        return new GenerationRequest(prompt, "", width, height, steps, 7f, "euler_a", "discrete", seed, 1, List.of(),
                null, 1f, null, 1);
    }

    public GenerationRequest withLoras(List<LoraWeight> l) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, sampler, scheduler, seed,
                batchCount, l, initImage, strength, mask, clipSkip);
    }

    public GenerationRequest withInit(RgbImage image, double s, RgbImage m) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, sampler, scheduler, seed,
                batchCount, loras, image, s, m, clipSkip);
    }

    public GenerationRequest withBatchCount(int n) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, sampler, scheduler, seed,
                n, loras, initImage, strength, mask, clipSkip);
    }

    /** Throws a 400 naming the first field outside {@code limits}. */
    public void validate(Limits limits) {
        side("width", width, limits.maxImageSide());
        side("height", height, limits.maxImageSide());
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
        if (prompt == null || prompt.length() > maxChars || negativePrompt != null && negativePrompt.length() > maxChars) {
            throw Problem.badInput("prompt is missing or longer than " + maxChars + " characters");
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw Problem.badInput("strength must be between 0 and 1, got " + strength);
        }
        Sampler.named(sampler);
        Schedule.named(scheduler);
        if (clipSkip < 1 || clipSkip > 2) {
            throw Problem.badInput("clip_skip must be 1 or 2, got " + clipSkip);
        }
        if (mask != null && initImage == null) {
            throw Problem.badInput("a mask needs an input image");
        }
        if (mask != null && (mask.width() != initImage.width() || mask.height() != initImage.height())) {
            throw Problem.badInput("mask is " + mask.width() + "x" + mask.height() + " but the image is "
                    + initImage.width() + "x" + initImage.height());
        }
    }

    private static void side(String name, int v, int max) {
        if (v < MIN_SIDE || v > max || v % 8 != 0) {
            throw Problem.badInput(name + " must be a multiple of 8 between " + MIN_SIDE + " and " + max + ", got " + v);
        }
    }
}
