package com.mysticanvas.orchestrator;

import java.nio.file.Path;

/**
 * How the orchestrator runs. Worker threads 0 means "let the worker choose"; the launcher splits
 * the machine's cores between the two workers so their thread pools never fight for them.
 */
public record OrchestratorConfig(
        String host,
        int port,
        Path modelsDir,
        Path dataDir,
        String apiKey,
        String llmModel,
        String sdModel,
        int llmThreads,
        int sdThreads,
        String logLevel,
        long maxBodyBytes) {

    public boolean isLoopback() {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
    }
}
