package com.mysticanvas.app.it;

import com.mysticanvas.core.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerConfig;
import com.mysticanvas.core.WorkerKind;
import com.mysticanvas.core.WorkerServer;
import java.nio.file.Path;

/** A stand-in SD worker, on the test class path only, whose health always reports a checkpoint being loaded. */
public final class LoadingWorker {
    public static final String LOADING = "slow.safetensors";

    public static void main(String[] args) {
        long parentPid = 0;
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--parent-pid")) {
                parentPid = Long.parseLong(args[i + 1]);
            }
        }
        WorkerConfig config = new WorkerConfig(0, parentPid, Path.of("."), Path.of("."), null, 1, "info",
                System.getenv(Handshake.SECRET_ENV));
        WorkerServer.start(WorkerKind.SD, config, routes -> routes.get("/health",
                ctx -> ctx.json(Json.object().put("status", "ok").putNull("model").put("loading", LOADING))));
    }
}
