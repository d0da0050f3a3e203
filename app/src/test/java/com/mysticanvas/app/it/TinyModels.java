package com.mysticanvas.app.it;

import com.mysticanvas.llm.synth.LlmSynthModels;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.io.IOException;
import java.nio.file.Path;

/** The tiny random-weight models of both engines, as {@code synth-models --preset tiny} writes them. */
final class TinyModels {
    static final String LLM = "tiny-llama.gguf";
    static final String SD = "tiny-sd.safetensors";

    private TinyModels() {}

    static Path write(Path modelsDir) throws IOException {
        LlmSynthModels.write("tiny", modelsDir);
        SdSynthModels.write("tiny", modelsDir);
        return modelsDir;
    }
}
