package com.mysticanvas.sd.api;

import static com.mysticanvas.core.JsonFields.longInteger;
import static com.mysticanvas.core.JsonFields.number;
import static com.mysticanvas.core.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.sd.noise.Rng;
import com.mysticanvas.sd.pipeline.GenerationRequest;

/**
 * The worker's noise options under A1111's names, {@code randn_source} and {@code eta_noise_seed_delta}: what a
 * request gets when it does not say (set through {@code POST /sdapi/v1/options}, shown by its GET), and the one
 * reader of a request's noise fields, for both APIs.
 */
public final class NoiseOptions {
    private volatile Rng rng = Rng.DEFAULT;
    private volatile long etaNoiseSeedDelta;

    public Rng rng() {
        return rng;
    }

    public long etaNoiseSeedDelta() {
        return etaNoiseSeedDelta;
    }

    /** Takes the options an A1111 options body sets; the others stay. Bad values are bad input, nothing changed. */
    public void set(JsonNode options) {
        Rng newRng = rng(options, rng);
        long newDelta = longInteger(options, "eta_noise_seed_delta", etaNoiseSeedDelta);
        if (newDelta < 0) {
            throw Problem.badInput("eta_noise_seed_delta must not be negative, got " + newDelta);
        }
        rng = newRng;
        etaNoiseSeedDelta = newDelta;
    }

    /** Puts the options into an A1111 options body. */
    public void describe(ObjectNode out) {
        out.put("randn_source", rng.a1111Name()).put("eta_noise_seed_delta", etaNoiseSeedDelta);
    }

    /**
     * A request's noise: {@code rng} (ours) or {@code randn_source}, and {@code eta_noise_seed_delta}, each at the top
     * level or in {@code override_settings} (for this request only), else these options; A1111's {@code subseed},
     * {@code subseed_strength} and {@code seed_resize_from_w}/{@code _h} (-1 or 0: off), and {@code eta} (absent:
     * each sampler's default).
     */
    public GenerationRequest.Builder apply(JsonNode body, GenerationRequest.Builder request) {
        JsonNode override = body.path("override_settings");
        Rng requested = rng(body, rng(override, rng));
        String ours = text(body, "rng", null);
        long delta = longInteger(body, "eta_noise_seed_delta",
                longInteger(override, "eta_noise_seed_delta", etaNoiseSeedDelta)); // checked with the request
        double eta = number(body, "eta", Double.NaN); // checked with the request
        request.eta(Double.isNaN(eta) ? null : eta);
        return request.rng(ours != null ? Rng.named(ours) : requested)
                .variation(longInteger(body, "subseed", -1), number(body, "subseed_strength", 0),
                        (int) Math.max(0, longInteger(body, "seed_resize_from_w", 0)),
                        (int) Math.max(0, longInteger(body, "seed_resize_from_h", 0)), delta);
    }

    private static Rng rng(JsonNode node, Rng fallback) {
        String name = text(node, "randn_source", null);
        return name == null ? fallback : Rng.named(name);
    }
}
