package com.mysticanvas.core.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Limits;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerCommandLineTest {
    private static final Limits LIMITS = new Limits(1024, 300, 4, 5000, 2, 512, 3, 9);

    @Test
    void whatTheOrchestratorWritesTheWorkerReadsBack() {
        for (WorkerKind kind : WorkerKind.values()) {
            WorkerConfig sent = new WorkerConfig(kind, "127.0.0.1", 0, 4242, Path.of("/m").toAbsolutePath(),
                    List.of(Path.of("/a1111").toAbsolutePath(), Path.of("/comfy ui").toAbsolutePath()), Path.of("/d").toAbsolutePath(),
                    "model.file", 3, "debug", kind == WorkerKind.SD, LIMITS, null);
            WorkerConfig read = WorkerCommandLine.parse(WorkerCommandLine.write(sent).toArray(String[]::new), "s3cret").orElseThrow();
            assertThat(read).isEqualTo(new WorkerConfig(kind, "127.0.0.1", 0, 4242, sent.modelsDir(), sent.extraModelDirs(), sent.dataDir(), "model.file", 3,
                    "debug", kind == WorkerKind.SD, LIMITS, "s3cret"));
        }
    }

    @Test
    void theDesignsSpellingOfTheModeAndPort() {
        WorkerConfig c = new WorkerConfig(WorkerKind.LLM, "127.0.0.1", 0, 7, Path.of("m"), List.of(), Path.of("d"), null, 1, "info", false, Limits.DEFAULTS, null);
        assertThat(String.join(" ", WorkerCommandLine.write(c))).startsWith("--mode llm-worker --port 0 --parent-pid 7 ");
    }

    @Test
    void anotherModeIsNotAWorkersAndBadOptionsAreRefused() {
        assertThat(WorkerCommandLine.parse(new String[] {"--host", "0.0.0.0", "--api-key", "k"}, null)).isEmpty();
        assertThat(WorkerCommandLine.parse(new String[] {"synth-models", "--out", "x"}, null)).isEmpty();
        WorkerConfig defaults = WorkerCommandLine.parse(new String[] {"--mode=sd-worker"}, null).orElseThrow();
        assertThat(defaults.limits()).isEqualTo(Limits.DEFAULTS);
        assertThat(defaults.threads()).isEqualTo(WorkerCommandLine.defaultThreads(WorkerKind.SD)).isPositive();
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--mode", "llm-worker", "--host", "x"}, null))
                .hasMessageContaining("does not take --host");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--mode", "llm-worker", "--max-steps", "many"}, null))
                .hasMessageContaining("--max-steps must be a whole number");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--mode", "llm-worker", "--port"}, null))
                .hasMessageContaining("--port needs a value");
    }
}
