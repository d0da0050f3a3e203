package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.ApiException;

/** The listener asked to stop; nothing was produced for the image in progress. */
public final class GenerationCancelledException extends ApiException {
    public GenerationCancelledException() {
        super(409, "invalid_request_error", "cancelled", "generation was interrupted");
    }
}
