package com.mysticanvas.orchestrator.workers;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * Where a worker answers now and what proves we may talk to it. A local worker's address changes with every
 * restart ({@link WorkerSupervisor} is one); a worker on another machine has a fixed URL and a token; a
 * {@link WorkerPool} is whichever of its workers answers.
 */
public interface WorkerAddress {
    /** The worker's base URI ({@code http://127.0.0.1:PORT}); a Problem (unavailable, saying why) while it cannot take requests. */
    URI base();

    /** Headers every request carries: the per-run secret of a local worker. */
    Map<String, String> credentials();

    /** Where to send a request and with what, taken together (a pool's worker can change between two calls). */
    record Route(URI base, Map<String, String> credentials) {}

    default Route route() {
        return new Route(base(), credentials());
    }

    /**
     * The worker at {@code base} failed a request before answering: where to send it instead, if anywhere (a pool's
     * next worker that answers; the worker at {@code base} is taken as down meanwhile).
     */
    default Optional<Route> failedOver(URI base, String why) {
        return Optional.empty();
    }
}
