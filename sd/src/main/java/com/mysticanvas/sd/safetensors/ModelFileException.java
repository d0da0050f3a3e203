package com.mysticanvas.sd.safetensors;

import com.mysticanvas.core.Problem;

/** A model file that cannot be used: the message names the file and what is wrong with it. Bad input to its request. */
public final class ModelFileException extends Problem {
    public ModelFileException(String file, String problem) {
        super(Kind.BAD_INPUT, "invalid_model_file", file + ": " + problem);
    }
}
