package com.mysticanvas.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Limits;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.memory.MemoryPolicy;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrchestratorConfigTest {
    private static OrchestratorConfig config(String host, String key) {
        return new OrchestratorConfig(host, 0, Path.of("m"), Path.of("d"), key, "a.gguf", null, 1, 3, true, "warn", 1024,
                MemoryPolicy.AUTO, 0, null, Limits.DEFAULTS, null, false, List.of(Path.of("/comfy")), com.mysticanvas.orchestrator.workers.RemoteWorkers.NONE);
    }

    @Test
    void workerArgumentsCarryModeParentFoldersThreadsAndModel() {
        List<String> args = WorkerCommandLine.write(config("127.0.0.1", null).worker(WorkerKind.LLM));
        assertThat(String.join(" ", args))
                .startsWith("--mode llm-worker --port 0 --parent-pid " + ProcessHandle.current().pid())
                .contains("--models-dir " + Path.of("m").toAbsolutePath())
                .contains("--extra-model-dir " + Path.of("/comfy").toAbsolutePath())
                .contains("--log-level warn")
                .contains("--llm-threads 1")
                .contains("--max-image-side 2048 --max-steps 150")
                .endsWith("--llm-model a.gguf");
        assertThat(String.join(" ", WorkerCommandLine.write(config("127.0.0.1", null).worker(WorkerKind.SD))))
                .contains("--mode sd-worker").contains("--sd-threads 3").contains("--sd-low-memory").doesNotContain("--sd-model");
        assertThat(args).doesNotContain("--sd-low-memory");
    }

    @Test
    void savedThreadSplitFillsOnlyWhatTheCommandLineLeftOpen() {
        OrchestratorConfig open = config("127.0.0.1", null).withThreads(0, 3);
        OrchestratorConfig saved = open.withSavedThreads(Json.parse("{\"llm\":2,\"sd\":5}"));
        assertThat(List.of(saved.llmThreads(), saved.sdThreads())).containsExactly(2, 3);
        OrchestratorConfig junk = open.withThreads(0, 0).withSavedThreads(Json.parse("{\"llm\":-1,\"sd\":\"four\"}"));
        assertThat(List.of(junk.llmThreads(), junk.sdThreads())).containsExactly(0, 0);
        // What neither sets is the split a worker would make itself.
        assertThat(String.join(" ", WorkerCommandLine.write(junk.worker(WorkerKind.LLM))))
                .contains("--llm-threads " + WorkerCommandLine.defaultThreads(WorkerKind.LLM) + " ");
    }

    @Test
    void savedRemoteWorkersFillTheKindsTheCommandLineLeftOpenAndItsTokenWins() {
        var llm = com.mysticanvas.core.worker.WorkerKind.LLM;
        var sd = com.mysticanvas.core.worker.WorkerKind.SD;
        OrchestratorConfig none = config("127.0.0.1", null);
        OrchestratorConfig saved = none.withSavedRemoteWorkers(Json.parse(
                "{\"llm\":[\"http://a:7001\",\"http://b:7001\"],\"sd\":[],\"local\":[\"llm\",\"sd\"],\"token\":\"T\"}"));
        assertThat(saved.remoteWorkers().urls().get(llm)).extracting(java.net.URI::toString).containsExactly("http://a:7001", "http://b:7001");
        assertThat(saved.remoteWorkers().urls()).doesNotContainKey(sd);
        assertThat(saved.remoteWorkers().localFallback()).as("ours stands by only where there are remote ones").containsExactly(llm);
        assertThat(saved.remoteWorkers().token()).isEqualTo("T");

        OrchestratorConfig cli = none.withRemoteWorkers(com.mysticanvas.orchestrator.workers.RemoteWorkers.of(llm,
                java.net.URI.create("http://cli:7001"), "CLI"));
        OrchestratorConfig both = cli.withSavedRemoteWorkers(Json.parse("{\"llm\":[\"http://a:7001\"],\"sd\":[\"http://s:7002\"],\"token\":\"T\"}"));
        assertThat(both.remoteWorkers().urls().get(llm)).extracting(java.net.URI::toString).containsExactly("http://cli:7001");
        assertThat(both.remoteWorkers().urls().get(sd)).extracting(java.net.URI::toString).containsExactly("http://s:7002");
        assertThat(both.remoteWorkers().token()).isEqualTo("CLI");
        assertThat(none.withSavedRemoteWorkers(Json.parse("{}")).remoteWorkers()).isEqualTo(none.remoteWorkers());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> none.withSavedRemoteWorkers(Json.parse("{\"llm\":[\"ftp://x\"],\"token\":\"T\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an http(s) URL");
    }

    @Test
    void savedModelFoldersComeAfterTheCommandLinesAndReachTheWorkers() {
        OrchestratorConfig c = config("127.0.0.1", null)
                .withSavedModelDirs(Json.parse("[\"/comfy\", \"~/.lmstudio/models\", \"  \", 7]"));
        assertThat(c.extraModelDirs()).containsExactly(Path.of("/comfy"),
                Path.of(System.getProperty("user.home"), ".lmstudio/models"));
        assertThat(c.worker(WorkerKind.SD).extraModelDirs()).isEqualTo(c.extraModelDirs());
        assertThat(config("127.0.0.1", null).withSavedModelDirs(Json.parse("{}")).extraModelDirs()).containsExactly(Path.of("/comfy"));
    }

    @Test
    void launcherRelaunchesThisJvmWithNativeAccess() {
        List<String> cmd = WorkerLauncher.sameJvm("x.Main").command(WorkerKind.SD, List.of("--mode", "sd-worker"));
        assertThat(cmd.getFirst()).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        assertThat(cmd).contains(WorkerLauncher.NATIVE_ACCESS, "-cp", System.getProperty("java.class.path"))
                .endsWith("x.Main", "--mode", "sd-worker");
    }

    @Test
    void aPortInUseIsAClearErrorNotAHalfStartedServer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            OrchestratorConfig config = OrchestratorConfig.loopback(taken.getLocalPort(), dir.resolve("m"), dir.resolve("d"));
            assertThatThrownBy(() -> Orchestrator.start(config, (k, a) -> List.of("false")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("--port");
        }
    }

    @Test
    void refusesToListenBeyondLoopbackWithoutAKey() {
        assertThatThrownBy(() -> Orchestrator.start(config("0.0.0.0", null), (k, a) -> List.of("false")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--api-key");
    }
}
