package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.HiresSize;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import java.util.List;
import java.util.Objects;

/**
 * A1111's hires fix for a txt2img request: the first pass upscaled ({@code hr_upscaler}, {@code hr_scale} or
 * {@code hr_resize_x/y}), then denoised again as img2img at the new size. Built by {@link GenerationRequest.Builder},
 * which fills in what the request left to the first pass (prompt, LoRAs, sampler, schedule).
 *
 * @param steps    the second pass's steps before the denoising strength cuts them (A1111's
 *                 {@code hr_second_pass_steps}, 0 there meaning the first pass's)
 * @param strength the second pass's denoising strength
 */
public record HiresFix(UpscaleMethod upscaler, double scale, int resizeWidth, int resizeHeight, int steps, double strength,
                       String prompt, String negativePrompt, List<GenerationRequest.LoraWeight> loras, Sampler sampler,
                       Schedule schedule) {
    /** A1111's UI default for the second pass's denoising strength. */
    public static final double DEFAULT_STRENGTH = 0.7;

    public HiresFix {
        Objects.requireNonNull(upscaler, "upscaler");
        loras = loras == null ? null : List.copyOf(loras);
    }

    /** The sizes the second pass works at, for a first pass of {@code first}. */
    public HiresSize size(ImageSize first) {
        return HiresSize.of(first, scale, resizeWidth, resizeHeight);
    }
}
