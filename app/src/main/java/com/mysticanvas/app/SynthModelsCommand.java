package com.mysticanvas.app;

import com.mysticanvas.llm.synth.LlmSynthModels;
import com.mysticanvas.sd.synth.SdSynthModels;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code synth-models}: writes random-weight models in the standard formats, so every code path runs without downloads. */
@Command(name = "synth-models", mixinStandardHelpOptions = true,
        description = "Write random-weight models (GGUF, safetensors) laid out as a models folder.")
final class SynthModelsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "models folder to write into (llm/, sd/ below it)")
    Path out;

    @Option(names = "--preset", defaultValue = "tiny",
            description = "tiny (tests: a tiny llama GGUF and a tiny SD 1.x checkpoint with LoRA and VAE), "
                    + "sd15 (full SD 1.5 shapes), llama-1b (about 1B parameters, Q8_0)")
    String preset;

    @Override
    public Integer call() throws Exception {
        if (!preset.equals("tiny") && !preset.equals("sd15") && !preset.equals("llama-1b")) {
            System.err.println("unknown preset '" + preset + "': expected tiny, sd15 or llama-1b");
            return 2;
        }
        LlmSynthModels.write(preset, out);
        SdSynthModels.write(preset, out);
        System.out.println("wrote " + preset + " models to " + out.toAbsolutePath());
        return 0;
    }
}
