package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Sha256;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.orchestrator.storage.DownloadStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Runs model downloads: resolves a source to its files, fetches them into {@code models/.downloads/} (never into
 * a model folder: nothing half-written is ever listed), checks each file's SHA-256 against the source's, and only
 * then moves them into their folder, together. Jobs are stored as they change, so a restart of the program goes on
 * with the ones that were running; pause, resume and cancel act on the job's thread. Progress goes to
 * {@code /api/events} as {@code download} events, a few a second.
 */
public final class DownloadManager implements AutoCloseable {
    /** Downloads that run at once; the rest wait their turn. */
    private static final int CONCURRENT_JOBS = 2;
    private static final long PUBLISH_EVERY_NANOS = 250_000_000L;

    private final DownloadStore store;
    private final ModelFolders folders;
    private final HubApi hub;
    private final CivitaiApi civitai;
    private final FileTransfer transfer;
    private final BiConsumer<String, Object> publish;
    private final Map<String, DownloadJob> jobs = new LinkedHashMap<>();
    private final List<Consumer<DownloadJob>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore turns = new Semaphore(CONCURRENT_JOBS, true);
    private volatile boolean closed;

    public DownloadManager(DownloadStore store, ModelFolders folders, DownloadSettings settings, BiConsumer<String, Object> publish) {
        this.store = store;
        this.folders = folders;
        HttpFetch http = new HttpFetch(settings::authorization);
        this.hub = new HubApi(http, settings.hubEndpoint());
        this.civitai = new CivitaiApi(http, settings.civitaiEndpoint());
        this.transfer = new FileTransfer(http, settings.transfer());
        this.publish = publish;
    }

    /** Takes up the stored jobs: the ones that were queued or running go on. */
    public void start() {
        for (ObjectNode stored : store.all()) {
            DownloadJob job = DownloadJob.fromJson(stored);
            synchronized (jobs) {
                jobs.put(job.id, job);
            }
            if (job.state() == DownloadJob.State.QUEUED) {
                run(job);
            }
        }
    }

    /** The Hub search the Models view offers. */
    public Object search(String query, boolean ggufOnly, int limit) {
        return hub.search(query, ggufOnly, limit);
    }

    /** A Hub repository's GGUF quantisations with their sizes, and its single-file models. */
    HubApi.Choices choices(String repo, String revision) {
        ModelSource source = ModelSource.parse("hf.co/" + repo + (revision == null || revision.isBlank() ? "" : "@" + revision));
        ModelSource.HuggingFace hf = (ModelSource.HuggingFace) source;
        return hub.choices(hf.repo(), hf.revision());
    }

    /** The plan a source stands for (files, sizes, folder), resolved now; bad sources are 4xx problems. */
    public DownloadPlan plan(String sourceText, ModelFolders.Kind kind) {
        return switch (ModelSource.parse(sourceText)) {
            case ModelSource.HuggingFace hf -> hub.plan(hf, kind);
            case ModelSource.Civitai c -> civitai.plan(c, kind);
            case ModelSource.DirectUrl u -> {
                String path = u.url().getPath();
                String name = java.net.URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), java.nio.charset.StandardCharsets.UTF_8);
                if (name.isBlank() || ModelFolders.isPathLike(name)) {
                    throw Problem.badInput("the URL does not end in a usable file name: " + u.url());
                }
                ModelFolders.Kind k = SourceKinds.forFile(name, kind);
                yield new DownloadPlan(u.text(), k, name, null, List.of(new RemoteFile(name, u.url(), -1, null)));
            }
        };
    }

    /**
     * Starts downloading what {@code source} names, or returns the job already fetching it. A model whose file is
     * already in its folder is refused (delete or rename it first), so nothing a user has is overwritten.
     */
    public ObjectNode submit(String source, ModelFolders.Kind kind) {
        return submitJob(source, kind).toJson();
    }

    DownloadJob submitJob(String source, ModelFolders.Kind kind) {
        DownloadPlan plan = plan(source, kind);
        synchronized (jobs) {
            for (DownloadJob j : jobs.values()) {
                if (!j.state().finished() && j.plan.source().equals(plan.source()) && j.plan.kind() == plan.kind()) {
                    return j;
                }
            }
            for (RemoteFile f : plan.files()) {
                if (Files.exists(folders.folder(plan.kind()).resolve(f.name()))) {
                    throw Problem.badInput("model_exists", f.name() + " is already in models/" + plan.kind().folder()
                            + "; delete or rename it to download it again");
                }
            }
            DownloadJob job = new DownloadJob(UUID.randomUUID().toString(), plan, System.currentTimeMillis());
            jobs.put(job.id, job);
            changed(job, true);
            run(job);
            return job;
        }
    }

    public List<ObjectNode> list() {
        synchronized (jobs) {
            return jobs.values().stream().map(DownloadJob::toJson).toList();
        }
    }

    public ObjectNode get(String id) {
        return job(id).toJson();
    }

    public void addListener(Consumer<DownloadJob> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<DownloadJob> listener) {
        listeners.remove(listener);
    }

    DownloadJob job(String id) {
        synchronized (jobs) {
            DownloadJob job = jobs.get(id);
            if (job == null) {
                throw Problem.notFound("no download '" + id + "'");
            }
            return job;
        }
    }

    /** Stops a running or queued job where it is; its partial files stay for {@link #resume}. */
    public ObjectNode pause(String id) {
        DownloadJob job = job(id);
        synchronized (job) {
            switch (job.state()) {
                case QUEUED, DOWNLOADING -> {
                    job.stop = DownloadJob.Stop.PAUSE;
                    job.state(DownloadJob.State.PAUSED, null); // the job's thread ends at its next chunk
                }
                case PAUSED -> { }
                default -> throw Problem.badInput("a " + job.state().id() + " download cannot be paused");
            }
        }
        changed(job, true);
        return job.toJson();
    }

    /** Goes on with a paused or failed job from the bytes it has. */
    public ObjectNode resume(String id) {
        DownloadJob job = job(id);
        synchronized (job) {
            if (job.state() != DownloadJob.State.PAUSED && job.state() != DownloadJob.State.FAILED) {
                throw Problem.badInput("a " + job.state().id() + " download cannot be resumed");
            }
            job.stop = DownloadJob.Stop.NONE;
            // a thread still stopping sees the stop gone and goes on; else a new one starts
            job.state(job.active.get() ? DownloadJob.State.DOWNLOADING : DownloadJob.State.QUEUED, null);
        }
        changed(job, true);
        run(job);
        return job.toJson();
    }

    /**
     * {@code DELETE}: cancels an unfinished job (its partial files deleted) or clears a finished one from the list
     * (a downloaded model stays where it is).
     */
    public ObjectNode cancel(String id) {
        DownloadJob job = job(id);
        boolean clear;
        synchronized (job) {
            clear = job.state().finished();
            if (!clear) {
                job.stop = DownloadJob.Stop.CANCEL;
                job.state(DownloadJob.State.CANCELLED, null);
            }
        }
        if (clear) {
            synchronized (jobs) {
                jobs.remove(id);
            }
            store.delete(id);
            return job.toJson();
        }
        deletePartials(job); // a job thread still running deletes again when it sees the stop
        changed(job, true);
        return job.toJson();
    }

    private void run(DownloadJob job) {
        if (closed) {
            return;
        }
        threads.submit(() -> {
            try {
                turns.acquire();
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (job.state() == DownloadJob.State.QUEUED && job.stop == DownloadJob.Stop.NONE && job.active.compareAndSet(false, true)) {
                    try {
                        download(job);
                    } finally {
                        job.active.set(false);
                    }
                    DownloadJob.State after = job.state();
                    if (job.stop == DownloadJob.Stop.NONE && !after.finished() && after != DownloadJob.State.PAUSED && !closed) {
                        job.state(DownloadJob.State.QUEUED, null); // resumed while this thread was stopping: again
                        run(job);
                    }
                }
            } finally {
                turns.release();
            }
        });
    }

    /** The partial file of a plan's file {@code index}: in the models folder's hidden {@code .downloads}, same disk. */
    private Path partial(DownloadJob job, int index) {
        return folders.root().resolve(".downloads").resolve(job.id + "-" + index + ".part");
    }

    private void download(DownloadJob job) {
        job.state(DownloadJob.State.DOWNLOADING, null);
        List<RemoteFile> files = job.plan.files();
        long before = 0;
        for (int i = 0; i < job.filesFetched(); i++) {
            before += Math.max(0, files.get(i).size());
        }
        job.bytes(before + FileTransfer.resumedBytes(partial(job, job.filesFetched())));
        changed(job, true);
        Speed speed = new Speed(job.bytes());
        try {
            for (int i = job.filesFetched(); i < files.size(); i++) {
                RemoteFile file = files.get(i);
                int index = i;
                transfer.fetch(file, partial(job, i), new FileTransfer.Progress() {
                    @Override
                    public void size(long bytes) {
                        job.knownSize(index, bytes);
                    }

                    @Override
                    public void bytes(long delta) {
                        job.addBytes(delta);
                        if (speed.due()) {
                            job.speed(speed.rate(job.bytes()));
                            changed(job, false);
                        }
                    }
                }, () -> job.stop != DownloadJob.Stop.NONE || closed);
                job.fileFetched();
                changed(job, true);
            }
            job.state(DownloadJob.State.VERIFYING, null);
            changed(job, true);
            for (int i = 0; i < files.size(); i++) {
                verify(job, i);
            }
            if (job.stop != DownloadJob.Stop.NONE) {
                throw new InterruptedException("stopped before the files were moved into place");
            }
            moveIntoPlace(job);
            job.state(DownloadJob.State.DONE, null);
            changed(job, true);
        } catch (InterruptedException e) {
            stopped(job);
        } catch (IOException e) {
            if (job.stop != DownloadJob.Stop.NONE || closed) {
                stopped(job);
            } else {
                job.state(DownloadJob.State.FAILED, e.getMessage());
                changed(job, true);
            }
        } catch (RuntimeException e) {
            job.state(DownloadJob.State.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
            changed(job, true);
        }
    }

    /** The job's thread has seen its stop: a cancel deletes its partial files, a pause or shutdown keeps them. */
    private void stopped(DownloadJob job) {
        if (job.stop == DownloadJob.Stop.CANCEL) {
            deletePartials(job);
        } else if (job.stop == DownloadJob.Stop.NONE && closed) {
            return; // shutting down: stored as it was (queued again at the next start)
        }
        changed(job, true);
    }

    private void verify(DownloadJob job, int index) throws IOException {
        RemoteFile file = job.plan.files().get(index);
        Path part = partial(job, index);
        if (file.sha256() == null) {
            return;
        }
        String actual = Sha256.of(part);
        if (!actual.equalsIgnoreCase(file.sha256())) {
            long had = Files.size(part);
            FileTransfer.discard(part);
            job.addBytes(-had);
            job.refetchFrom(index);
            throw new FileTransfer.Failed(file.name() + " is corrupt: its SHA-256 is " + actual + " but the source says "
                    + file.sha256() + "; the partial file was deleted (resume downloads it again)");
        }
    }

    /** Every file into its folder at once (the model's shards must arrive together), each by an atomic rename. */
    private void moveIntoPlace(DownloadJob job) throws IOException {
        Path folder = folders.folder(job.plan.kind());
        Files.createDirectories(folder);
        List<RemoteFile> files = job.plan.files();
        for (RemoteFile f : files) {
            if (Files.exists(folder.resolve(f.name()))) {
                throw new FileTransfer.Failed(f.name() + " appeared in models/" + job.plan.kind().folder()
                        + " meanwhile; the download is kept in models/.downloads until it is moved away");
            }
        }
        List<Path> moved = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path part = partial(job, i);
            Path target = folder.resolve(files.get(i).name());
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) { // a model folder on another disk: copy beside it, then rename
                Path tmp = folder.resolve("." + files.get(i).name() + ".incoming");
                Files.copy(part, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                Files.delete(part);
            }
            moved.add(target);
            Files.deleteIfExists(part.resolveSibling(part.getFileName() + ".json"));
            RemoteFile f = files.get(i);
            store.saveProvenance(new DownloadStore.Provenance(job.plan.kind().name().toLowerCase(java.util.Locale.ROOT), f.name(),
                    job.plan.source(), job.plan.revision(), f.url().toString(), f.sha256(), Files.size(target),
                    System.currentTimeMillis()));
        }
    }

    private void deletePartials(DownloadJob job) {
        for (int i = 0; i < job.plan.files().size(); i++) {
            try {
                FileTransfer.discard(partial(job, i));
            } catch (IOException ignored) {
                // reported by the next attempt, which writes the same names
            }
        }
    }

    public List<DownloadStore.Provenance> provenance() {
        return store.provenance();
    }

    /**
     * The language model a Hub name stands for once downloaded ({@code hf.co/user/repo:Q4_K_M}, with or without
     * {@code :latest}, as Ollama's clients go on naming a model they pulled), or empty for any other name.
     */
    public java.util.Optional<String> downloadedAs(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!lower.startsWith("hf.co/") && !lower.startsWith("huggingface.co/")) {
            return java.util.Optional.empty();
        }
        String source;
        try {
            source = ModelSource.parse(name.replaceFirst("(?i):latest$", "")).text();
        } catch (Problem notASource) {
            return java.util.Optional.empty();
        }
        return store.provenance().stream()
                .filter(p -> p.kind().equals("llm") && p.source().equals(source) && ModelFolders.isListedModel(ModelFolders.Kind.LLM, p.name()))
                .map(DownloadStore.Provenance::name).findFirst();
    }

    /** Publishes (and, for state changes, stores) the job; progress alone is stored at most a few times a second. */
    private void changed(DownloadJob job, boolean store) {
        ObjectNode json = job.toJson();
        if (store || job.state() == DownloadJob.State.DOWNLOADING) {
            this.store.save(job.id, job.state().id(), json);
        }
        publish.accept("download", json);
        listeners.forEach(l -> l.accept(job));
    }

    /** Bytes per second over the last few seconds, and when to say so again. */
    private static final class Speed {
        private long lastNanos = System.nanoTime();
        private long lastBytes;
        private double rate;

        Speed(long bytes) {
            this.lastBytes = bytes;
        }

        synchronized boolean due() {
            return System.nanoTime() - lastNanos >= PUBLISH_EVERY_NANOS;
        }

        synchronized double rate(long bytes) {
            long now = System.nanoTime();
            double instant = (bytes - lastBytes) / ((now - lastNanos) / 1e9);
            rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;
            lastNanos = now;
            lastBytes = bytes;
            return Math.max(0, rate);
        }
    }

    /** Stops the running jobs where they are; they are stored as queued, to go on at the next start. */
    @Override
    public void close() {
        closed = true;
        threads.shutdownNow();
        threads.close();
    }
}
