package com.mysticanvas.sd.pipeline;

import java.util.concurrent.CancellationException;

/** The listener asked to stop; nothing was produced for the image in progress. A user's choice, not a problem. */
public final class GenerationCancelledException extends CancellationException {
    public GenerationCancelledException() {
        super("generation was interrupted");
    }
}
