package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Unloading frees sessions, merged LoRA weights and mappings: 10 load/generate/unload cycles leave RSS where it was. */
class MemoryCycleTest {
    private static final SdPipeline PIPELINE = new SdPipeline(ClipTokenizer::bundled, name -> TinyModels.root().resolve("sd/loras").resolve(name));

    @Test
    void tenCyclesKeepRssWithinTenPercent() throws Exception {
        cycle(); // warm-up: class loading, JIT, ORT's one-time set-up
        cycle();
        System.gc();
        long start = rssKb();
        for (int i = 0; i < 10; i++) {
            cycle();
        }
        System.gc();
        long end = rssKb();
        System.out.println("RSS before " + start + " kB, after 10 cycles " + end + " kB");
        assertThat(end).isLessThanOrEqualTo(start + start / 10);
    }

    private static void cycle() throws Exception {
        try (SdModel model = SdModel.load(TinyModels.checkpoint(), TinyModels.vae(), 1)) {
            PIPELINE.generate(model, GenerationRequest.builder().prompt("a cat").size(64, 64).steps(2).seed(1)
                    .loras(List.of(new GenerationRequest.LoraWeight("tiny-lora.safetensors", 1f))).build(), ProgressListener.NONE);
        }
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
