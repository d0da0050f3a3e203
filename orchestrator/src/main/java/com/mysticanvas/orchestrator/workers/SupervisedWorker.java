package com.mysticanvas.orchestrator.workers;

/** A worker as the process manager keeps it: one this orchestrator runs ({@link WorkerSupervisor}) or a remote one. */
interface SupervisedWorker {
    WorkerEndpoint endpoint();

    WorkerStatus status();

    void start();

    /** A user's restart. */
    void restart();

    void stop();
}
