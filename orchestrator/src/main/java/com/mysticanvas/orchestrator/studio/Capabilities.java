package com.mysticanvas.orchestrator.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.Problem;
import com.mysticanvas.orchestrator.workers.SdWorkerApi;

/**
 * {@code GET /api/capabilities}: what the UI's forms may offer, so it asks instead of keeping a copy of the server's
 * defaults: the request limits this orchestrator runs with, and the image worker's samplers, schedules, model
 * families and request defaults ({@code images}, null until the SD worker has answered once; it is asked again on
 * each request until then, and its answer kept after, since it only changes with the program).
 */
public final class Capabilities {
    private final Limits limits;
    private final long maxBodyBytes;
    private final SdWorkerApi sd;
    private volatile JsonNode images;

    public Capabilities(Limits limits, long maxBodyBytes, SdWorkerApi sd) {
        this.limits = limits;
        this.maxBodyBytes = maxBodyBytes;
        this.sd = sd;
    }

    public ObjectNode describe() {
        ObjectNode out = Json.object();
        out.putObject("limits").put("minImageSide", ImageSize.MIN_SIDE).put("maxImageSide", limits.maxImageSide())
                .put("sideMultiple", ImageSize.MULTIPLE).put("maxSteps", limits.maxSteps()).put("maxBatch", limits.maxBatch())
                .put("maxPromptChars", limits.maxPromptChars()).put("imageQueue", limits.imageQueue())
                .put("maxTokens", limits.maxTokens()).put("maxBodyBytes", maxBodyBytes);
        out.set("images", images());
        return out;
    }

    private JsonNode images() {
        JsonNode known = images;
        if (known == null) {
            try {
                known = sd.capabilities().deepCopy();
                ((ObjectNode) known).remove("limits"); // the orchestrator's own, above, are the ones in force
                images = known;
            } catch (Problem e) {
                return Json.MAPPER.nullNode(); // the image worker is not up yet; the UI asks again when it is
            }
        }
        return known;
    }
}
