package com.mysticanvas.sd.safetensors;

import com.mysticanvas.core.ApiException;

/** A model file that cannot be used: the message names the file and what is wrong with it. Reaches clients as 400. */
public final class ModelFileException extends ApiException {
    public ModelFileException(String file, String problem) {
        super(400, "invalid_request_error", "invalid_model_file", file + ": " + problem);
    }
}
