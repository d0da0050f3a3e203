package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.models.ModelFolders;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One download: its plan, where it stands, and its progress; the JSON form is both the API's and the stored one. */
final class DownloadJob {
    enum State {
        QUEUED, DOWNLOADING, VERIFYING, PAUSED, DONE, FAILED, CANCELLED;

        boolean finished() {
            return this == DONE || this == FAILED || this == CANCELLED;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a running job was asked to do next. */
    enum Stop { NONE, PAUSE, CANCEL }

    final String id;
    final DownloadPlan plan;
    final long createdAt;
    private State state;
    private String error;
    private String note;
    /** Files of the plan already whole in the partial folder (fetched, not yet moved). */
    private int filesFetched;
    private long bytes;
    private long total;
    private final long[] serverSizes;
    private double bytesPerSecond;
    volatile Stop stop = Stop.NONE;
    /** A thread is working on the job (at most one is). */
    final java.util.concurrent.atomic.AtomicBoolean active = new java.util.concurrent.atomic.AtomicBoolean();

    DownloadJob(String id, DownloadPlan plan, long createdAt) {
        this.id = id;
        this.plan = plan;
        this.createdAt = createdAt;
        this.state = State.QUEUED;
        this.total = plan.totalBytes();
        this.serverSizes = new long[plan.files().size()];
        java.util.Arrays.fill(serverSizes, -1);
    }

    synchronized State state() {
        return state;
    }

    synchronized void state(State s, String error) {
        this.state = s;
        this.error = error;
        if (s != State.DOWNLOADING) {
            bytesPerSecond = 0;
        }
    }

    synchronized void note(String note) {
        this.note = note;
    }

    synchronized int filesFetched() {
        return filesFetched;
    }

    synchronized void fileFetched() {
        filesFetched++;
    }

    /** File {@code index} is to be fetched again (its partial was deleted): so are the ones after it. */
    synchronized void refetchFrom(int index) {
        filesFetched = Math.min(filesFetched, index);
    }

    synchronized void addBytes(long n) {
        bytes = Math.max(0, bytes + n);
        total = Math.max(total, bytes);
    }

    synchronized void bytes(long n) {
        bytes = n;
    }

    /** The server's size of file {@code index} stands for the listing's (civitai lists none). */
    synchronized void knownSize(int index, long size) {
        if (size >= 0) {
            serverSizes[index] = size;
        }
        long sum = 0;
        for (int i = 0; i < serverSizes.length; i++) {
            sum += serverSizes[i] >= 0 ? serverSizes[i] : Math.max(0, plan.files().get(i).size());
        }
        total = Math.max(sum, bytes);
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized void speed(double bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    synchronized ObjectNode toJson() {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("source", plan.source());
        out.put("kind", plan.kind().name().toLowerCase(Locale.ROOT));
        out.put("folder", "models/" + plan.kind().folder());
        out.put("model", plan.model());
        out.put("revision", plan.revision());
        out.put("state", state.id());
        out.put("bytes", bytes);
        out.put("total", total);
        out.put("speed_bps", Math.round(bytesPerSecond));
        if (state == State.DOWNLOADING && bytesPerSecond > 0 && total > bytes) {
            out.put("eta_s", Math.round((total - bytes) / bytesPerSecond));
        } else {
            out.putNull("eta_s");
        }
        out.put("files_fetched", filesFetched);
        ArrayNode files = out.putArray("files");
        for (RemoteFile f : plan.files()) {
            files.addObject().put("name", f.name()).put("url", f.url().toString()).put("size", f.size()).put("sha256", f.sha256());
        }
        out.put("error", error);
        out.put("note", note);
        out.put("created_at", createdAt);
        return out;
    }

    /** A job as stored; one that was running when the program stopped comes back queued, to go on. */
    static DownloadJob fromJson(JsonNode j) {
        List<RemoteFile> files = new ArrayList<>();
        for (JsonNode f : j.path("files")) {
            files.add(new RemoteFile(f.path("name").asText(), URI.create(f.path("url").asText()), f.path("size").asLong(-1),
                    f.path("sha256").isTextual() ? f.path("sha256").asText() : null));
        }
        ModelFolders.Kind kind = ModelFolders.Kind.valueOf(j.path("kind").asText().toUpperCase(Locale.ROOT));
        DownloadPlan plan = new DownloadPlan(j.path("source").asText(), kind, j.path("model").asText(),
                j.path("revision").asText(null), files);
        DownloadJob job = new DownloadJob(j.path("id").asText(), plan, j.path("created_at").asLong());
        State s = State.valueOf(j.path("state").asText("queued").toUpperCase(Locale.ROOT));
        job.state = s == State.DOWNLOADING || s == State.VERIFYING ? State.QUEUED : s;
        job.error = j.path("error").isTextual() ? j.path("error").asText() : null;
        job.note = j.path("note").isTextual() ? j.path("note").asText() : null;
        job.filesFetched = j.path("files_fetched").asInt(0);
        job.bytes = j.path("bytes").asLong(0);
        job.total = Math.max(j.path("total").asLong(0), job.bytes);
        return job;
    }
}
