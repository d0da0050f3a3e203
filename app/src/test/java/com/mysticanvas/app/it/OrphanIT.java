package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator as its own process, killed with SIGKILL: its workers must not outlive it. */
class OrphanIT {
    @TempDir
    Path dir;

    @Test
    void killingTheOrchestratorLeavesNoWorker() throws Exception {
        try (OrchestratorProcess orchestrator = new OrchestratorProcess(dir)) {
            List<ProcessHandle> workers = orchestrator.awaitWorkers(null, null);
            assertThat(workers).hasSize(2).allMatch(ProcessHandle::isAlive);

            orchestrator.kill();

            awaitGone(workers, Duration.ofSeconds(5));
            assertThat(workers).noneMatch(ProcessHandle::isAlive);
        }
    }

    static void awaitGone(List<ProcessHandle> processes, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }
}
