package com.mysticanvas.orchestrator.workers;

import com.mysticanvas.core.worker.WorkerKind;
import java.net.URI;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The workers that run on other machines ({@code --remote-worker llm=http://gpu-box:7001}) and the token they require
 * ({@code --worker-token}, the one each was started with).
 */
public record RemoteWorkers(Map<WorkerKind, URI> urls, String token) {
    public static final RemoteWorkers NONE = new RemoteWorkers(Map.of(), null);

    public RemoteWorkers {
        urls = Map.copyOf(urls);
    }

    /** {@code kind=URL} values of {@code --remote-worker}; a bad one is an IllegalArgumentException saying which. */
    public static RemoteWorkers parse(List<String> values, String token) {
        Map<WorkerKind, URI> urls = new EnumMap<>(WorkerKind.class);
        for (String v : values) {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--remote-worker takes llm=URL or sd=URL, not '" + v + "'");
            }
            WorkerKind kind;
            try {
                kind = WorkerKind.fromId(v.substring(0, eq).strip().toLowerCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--remote-worker: '" + v.substring(0, eq) + "' is not llm or sd");
            }
            URI url = URI.create(v.substring(eq + 1).strip());
            if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new IllegalArgumentException("--remote-worker: '" + v.substring(eq + 1) + "' is not an http(s) URL");
            }
            urls.put(kind, url);
        }
        if (!urls.isEmpty() && (token == null || token.isBlank())) {
            throw new IllegalArgumentException("--remote-worker needs --worker-token: the token the remote worker was started with");
        }
        return new RemoteWorkers(urls, token);
    }
}
