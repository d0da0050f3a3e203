package com.mysticanvas.orchestrator.workers;

import java.net.URI;
import java.util.Map;

/**
 * Where a worker answers now and what proves we may talk to it. A local worker's address changes with every
 * restart ({@link WorkerSupervisor} is one); a worker on another machine would have a fixed URL and a token.
 */
public interface WorkerAddress {
    /** The worker's base URI ({@code http://127.0.0.1:PORT}); a Problem (unavailable, saying why) while it cannot take requests. */
    URI base();

    /** Headers every request carries: the per-run secret of a local worker. */
    Map<String, String> credentials();
}
