package com.mysticanvas.core.worker;

import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP client the orchestrator uses to talk to its workers on 127.0.0.1. */
public final class LoopbackHttp {
    private LoopbackHttp() {}

    /** HTTP/1.1 (no h2c upgrade attempts on plain sockets) and a short connect timeout: a worker is local or gone. */
    public static HttpClient client() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }
}
