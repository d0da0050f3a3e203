package com.mysticanvas.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.WorkerKind;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessManagerTest {
    private static OrchestratorConfig config(String host, String key) {
        return new OrchestratorConfig(host, 0, Path.of("m"), Path.of("d"), key, "a.gguf", null, 1, 3, "warn", 1024,
                MemoryPolicy.AUTO, 0, null);
    }

    @Test
    void workerArgumentsCarryModeParentFoldersThreadsAndModel() {
        List<String> args = ProcessManager.workerArgs(config("127.0.0.1", null), WorkerKind.LLM, "a.gguf");
        assertThat(String.join(" ", args))
                .startsWith("--mode llm-worker --port 0 --parent-pid " + ProcessHandle.current().pid())
                .contains("--models-dir " + Path.of("m").toAbsolutePath())
                .contains("--log-level warn")
                .contains("--llm-threads 1")
                .endsWith("--llm-model a.gguf");
        assertThat(String.join(" ", ProcessManager.workerArgs(config("127.0.0.1", null), WorkerKind.SD, null)))
                .contains("--mode sd-worker").contains("--sd-threads 3").doesNotContain("--sd-model");
    }

    @Test
    void launcherRelaunchesThisJvmWithNativeAccess() {
        List<String> cmd = WorkerLauncher.sameJvm("x.Main").command(WorkerKind.SD, List.of("--mode", "sd-worker"));
        assertThat(cmd.getFirst()).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        assertThat(cmd).contains(WorkerLauncher.NATIVE_ACCESS, "-cp", System.getProperty("java.class.path"))
                .endsWith("x.Main", "--mode", "sd-worker");
    }

    @Test
    void refusesToListenBeyondLoopbackWithoutAKey() {
        assertThatThrownBy(() -> Orchestrator.start(config("0.0.0.0", null), (k, a) -> List.of("false")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--api-key");
    }
}
