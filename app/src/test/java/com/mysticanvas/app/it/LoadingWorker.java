package com.mysticanvas.app.it;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerCommandLine;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerServer;

/** A stand-in SD worker, on the test class path only, whose health always reports a checkpoint being loaded. */
public final class LoadingWorker {
    public static final String LOADING = "slow.safetensors";

    public static void main(String[] args) {
        WorkerConfig config = WorkerCommandLine.parse(args).orElseThrow();
        WorkerServer.start(WorkerKind.SD, config, routes -> routes.get("/health",
                ctx -> ctx.json(Json.object().put("status", "ok").putNull("model").put("loading", LOADING))));
    }
}
