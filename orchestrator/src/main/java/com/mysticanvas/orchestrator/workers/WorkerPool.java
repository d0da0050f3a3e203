package com.mysticanvas.orchestrator.workers;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.http.InFlight;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Several workers of one kind in order of preference ({@code --remote-worker llm=http://a:7001 --remote-worker
 * llm=http://b:7001 --remote-worker llm=local}): the first that is ready serves, the others stand by. A request whose
 * worker fails before answering goes on to the next ready one at once (that worker is taken as down until its health
 * check says otherwise), so a killed GPU box costs its requests nothing but the retry; the studio sees the serving
 * worker, with the others as its {@code standby}.
 */
final class WorkerPool implements WorkerAddress, SupervisedWorker {
    /** A worker of the pool: one on another machine, or this orchestrator's own. */
    sealed interface Member extends WorkerAddress, SupervisedWorker permits RemoteWorker, WorkerSupervisor {}

    private final WorkerKind kind;
    private final List<Member> members;
    private final WorkerEndpoint endpoint;

    /**
     * @param members  makes the members, given what each calls when its status changes
     * @param onChange hears the pool's status (the serving worker's, with the others) whenever a member's changes
     */
    WorkerPool(WorkerKind kind, java.util.function.Function<java.util.function.Consumer<WorkerStatus>, List<Member>> members,
               java.util.function.Consumer<WorkerStatus> onChange, InFlight inFlight) {
        this.kind = kind;
        this.members = List.copyOf(members.apply(changed -> onChange.accept(status())));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        this.endpoint = new WorkerEndpoint(kind, this, http, inFlight);
    }

    @Override
    public URI base() {
        return route().base();
    }

    @Override
    public Map<String, String> credentials() {
        return route().credentials();
    }

    /** The first ready worker's route; none ready is a 503 that says how each one is. */
    @Override
    public Route route() {
        return firstReady(null).orElseThrow(() -> Problem.unavailable("worker_unavailable", "no " + kind.mode()
                + " is ready: " + String.join("; ", members.stream().map(WorkerPool::describe).toList())));
    }

    @Override
    public Optional<Route> failedOver(URI failed, String why) {
        Member culprit = null;
        for (Member m : members) {
            if (m instanceof RemoteWorker r && sameWorker(r.url(), failed)) {
                r.markDown(why); // ours is watched by its supervisor, which restarts it
                culprit = m;
            } else if (m instanceof WorkerSupervisor local && servesAt(local, failed)) {
                culprit = m;
            }
        }
        return culprit == null ? Optional.empty() : firstReady(culprit);
    }

    private Optional<Route> firstReady(Member except) {
        for (Member m : members) {
            if (m != except && m.status().ready()) {
                try {
                    return Optional.of(m.route());
                } catch (Problem notReadyAnyMore) {
                    // went down since: the next one
                }
            }
        }
        return Optional.empty();
    }

    private static boolean servesAt(WorkerSupervisor local, URI failed) {
        try {
            return sameWorker(local.base(), failed);
        } catch (Problem notReady) {
            return false; // restarting: its supervisor knows already
        }
    }

    private static boolean sameWorker(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }

    private static String describe(Member m) {
        WorkerStatus s = m.status();
        return (s.host() == null ? "this machine's" : "the one at " + s.host()) + " is " + s.state().id()
                + (s.lastError() == null ? "" : " (" + s.lastError() + ")");
    }

    @Override
    public WorkerEndpoint endpoint() {
        return endpoint;
    }

    /** The serving worker's status (the first ready one, else the first), with the others standing by. */
    @Override
    public WorkerStatus status() {
        List<WorkerStatus> all = members.stream().map(SupervisedWorker::status).toList();
        int serving = 0;
        while (serving < all.size() && !all.get(serving).ready()) {
            serving++;
        }
        serving = serving == all.size() ? 0 : serving;
        List<WorkerStatus> standby = new ArrayList<>(all);
        WorkerStatus active = standby.remove(serving);
        return active.withStandby(standby);
    }

    @Override
    public void start() {
        members.forEach(SupervisedWorker::start);
    }

    /** True when this machine's own worker stands by in the pool (the one a user's restart restarts). */
    boolean hasLocal() {
        return members.stream().anyMatch(m -> m instanceof WorkerSupervisor);
    }

    /** Restarts this machine's worker of the pool; with none, a 400 (the others restart on their machines). */
    @Override
    public void restart() {
        for (Member m : members) {
            if (m instanceof WorkerSupervisor local) {
                local.restart();
                return;
            }
        }
        members.getFirst().restart();
    }

    @Override
    public void stop() {
        members.forEach(SupervisedWorker::stop);
    }
}
