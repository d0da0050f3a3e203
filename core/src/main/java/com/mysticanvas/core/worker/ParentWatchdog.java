package com.mysticanvas.core.worker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Makes a worker exit on its own when the orchestrator is gone, so even {@code kill -9} of the
 * orchestrator leaves no orphan: its stdin reaches EOF (the orchestrator holds the pipe's write end
 * and never writes), or its parent pid disappears.
 */
public final class ParentWatchdog {
    private ParentWatchdog() {}

    public static void start(long parentPid, Runnable onParentGone) {
        Thread.ofPlatform().daemon().name("stdin-watch").start(() -> {
            try (InputStream in = System.in) {
                byte[] buffer = new byte[256];
                while (in.read(buffer) >= 0) {
                    // Anything written is ignored; only EOF matters.
                }
            } catch (IOException ignored) {
                // A broken pipe means the same as EOF.
            }
            onParentGone.run();
        });
        if (parentPid > 0) {
            Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
                Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
                while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                onParentGone.run();
            });
        }
    }
}
