package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.sd.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users link big checkpoints into the models folder instead of copying them; such a link must load. */
class LinkedCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void aSymlinkedCheckpointLoads() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path real = Files.copy(TinyModels.checkpoint(), store.resolve("tiny.safetensors"));
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("checkpoints")).resolve("linked.safetensors"), real);
        try (SdModel model = SdModel.load(link, null, 1)) {
            assertThat(model.spec().unet().inChannels()).isEqualTo(4);
        }
    }
}
