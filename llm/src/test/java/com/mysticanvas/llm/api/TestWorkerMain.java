package com.mysticanvas.llm.api;

import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.llm.LlmWorker;
import java.nio.file.Path;
import java.util.List;

/** Starts {@link LlmWorker} as its own process for the HTTP tests: args are models dir, startup model or "-", log level. */
public final class TestWorkerMain {
    private TestWorkerMain() {}

    public static void main(String[] args) {
        Path models = Path.of(args[0]);
        String startup = args[1].equals("-") ? null : args[1];
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
        LlmWorker.run(new WorkerConfig(WorkerKind.LLM, "127.0.0.1", 0, parent, models, List.of(), models.resolveSibling("data"), startup, 1, args[2],
                false, Limits.DEFAULTS, System.getenv(Handshake.SECRET_ENV)));
    }
}
