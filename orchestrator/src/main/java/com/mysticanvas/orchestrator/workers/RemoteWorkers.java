package com.mysticanvas.orchestrator.workers;

import com.mysticanvas.core.worker.WorkerKind;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The workers that run on other machines ({@code --remote-worker llm=http://gpu-box:7001}, repeatable: the first
 * that answers serves, the next ones stand by), whether this machine's own worker of that kind stands by last
 * ({@code llm=local}), and the token they require ({@code --worker-token}, the one each was started with).
 */
public record RemoteWorkers(Map<WorkerKind, List<URI>> urls, Set<WorkerKind> localFallback, String token) {
    public static final RemoteWorkers NONE = new RemoteWorkers(Map.of(), Set.of(), null);

    public RemoteWorkers {
        Map<WorkerKind, List<URI>> copy = new EnumMap<>(WorkerKind.class);
        urls.forEach((kind, list) -> copy.put(kind, List.copyOf(list)));
        urls = Map.copyOf(copy);
        localFallback = Set.copyOf(localFallback);
    }

    /** One remote worker per kind, no local fallback. */
    public static RemoteWorkers of(WorkerKind kind, URI url, String token) {
        return new RemoteWorkers(Map.of(kind, List.of(url)), Set.of(), token);
    }

    /** {@code kind=URL} and {@code kind=local} values of {@code --remote-worker}; a bad one is an IllegalArgumentException saying which. */
    public static RemoteWorkers parse(List<String> values, String token) {
        Map<WorkerKind, List<URI>> urls = new EnumMap<>(WorkerKind.class);
        Set<WorkerKind> local = EnumSet.noneOf(WorkerKind.class);
        for (String v : values) {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--remote-worker takes llm=URL, sd=URL or llm|sd=local, not '" + v + "'");
            }
            WorkerKind kind;
            try {
                kind = WorkerKind.fromId(v.substring(0, eq).strip().toLowerCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--remote-worker: '" + v.substring(0, eq) + "' is not llm or sd");
            }
            String value = v.substring(eq + 1).strip();
            if (value.equalsIgnoreCase("local")) {
                local.add(kind);
                continue;
            }
            URI url = URI.create(value);
            if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new IllegalArgumentException("--remote-worker: '" + value + "' is not an http(s) URL");
            }
            urls.computeIfAbsent(kind, k -> new ArrayList<>()).add(url);
        }
        for (WorkerKind kind : local) {
            if (!urls.containsKey(kind)) {
                throw new IllegalArgumentException("--remote-worker " + kind.id() + "=local stands by for a remote "
                        + kind.id() + " worker; give one (" + kind.id() + "=URL) or leave it out (ours is the default)");
            }
        }
        if (!urls.isEmpty() && (token == null || token.isBlank())) {
            throw new IllegalArgumentException("--remote-worker needs --worker-token: the token the remote worker was started with");
        }
        return new RemoteWorkers(urls, local, token);
    }
}
