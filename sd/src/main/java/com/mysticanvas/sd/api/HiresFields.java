package com.mysticanvas.sd.api;

import static com.mysticanvas.core.JsonFields.integer;
import static com.mysticanvas.core.JsonFields.number;
import static com.mysticanvas.core.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.HiresSize;
import com.mysticanvas.sd.pipeline.GenerationRequest;
import com.mysticanvas.sd.pipeline.HiresFix;
import com.mysticanvas.sd.pipeline.UpscaleMethod;
import com.mysticanvas.sd.pipeline.Upscaler;
import com.mysticanvas.sd.sampling.Sampler;
import com.mysticanvas.sd.sampling.Schedule;
import com.mysticanvas.sd.tokenizer.LoraTags;
import java.util.List;

/**
 * The one reader of A1111's hires fix fields, for txt2img in both APIs: {@code enable_hr}, {@code hr_scale} (2),
 * {@code hr_resize_x}/{@code _y} (0), {@code hr_upscaler} ("Latent"), {@code hr_second_pass_steps} (0: the first
 * pass's), {@code denoising_strength} (0.7), {@code hr_prompt} / {@code hr_negative_prompt} (empty: the first
 * pass's; LoRA tags in the hires prompt are that pass's LoRAs), {@code hr_sampler_name} and {@code hr_scheduler}
 * ("Use same sampler" / "Use same scheduler", the defaults).
 */
final class HiresFields {
    static final String SAME_SAMPLER = "Use same sampler";
    static final String SAME_SCHEDULER = "Use same scheduler";

    private HiresFields() {}

    /** Sets the request's hires fix when the body asks for it ({@code enable_hr} true). */
    static GenerationRequest.Builder apply(JsonNode body, GenerationRequest.Builder request) {
        if (!body.path("enable_hr").asBoolean(false)) {
            return request;
        }
        String prompt = text(body, "hr_prompt", "");
        LoraTags tags = LoraTags.extract(prompt);
        List<GenerationRequest.LoraWeight> loras = GenerationRequest.LoraWeight.of(tags);
        String samplerName = text(body, "hr_sampler_name", SAME_SAMPLER);
        Sampler.Named sampler = samplerName.equals(SAME_SAMPLER) ? null : Sampler.parse(samplerName);
        String scheduleName = text(body, "hr_scheduler", SAME_SCHEDULER);
        Schedule schedule = sampler != null && sampler.schedule() != null ? sampler.schedule()
                : scheduleName.equals(SAME_SCHEDULER) ? null : Schedule.named(scheduleName);
        return request.hires(new HiresFix(UpscaleMethod.named(text(body, "hr_upscaler", Upscaler.LATENT.a1111Name())),
                number(body, "hr_scale", HiresSize.DEFAULT_SCALE), integer(body, "hr_resize_x", 0),
                integer(body, "hr_resize_y", 0), integer(body, "hr_second_pass_steps", 0),
                number(body, "denoising_strength", HiresFix.DEFAULT_STRENGTH), tags.prompt(),
                text(body, "hr_negative_prompt", ""), loras, sampler == null ? null : sampler.sampler(), schedule));
    }
}
