package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches one file into a partial file, resumably: the byte ranges still missing are kept in a state file beside
 * it ({@code .part.json}: the server's ETag, the size, each range's progress), so a pause or a restart of the
 * program goes on where it stopped. A large file is fetched over several connections when the server takes
 * ranges; each connection retries with back-off after a reset, an error status or a stall (no byte for
 * {@code stallTimeout}), asking again for what it still lacks with {@code If-Range}, so a file that changed on the
 * server (another ETag) is started again instead of being spliced from two versions.
 */
final class FileTransfer {
    /**
     * @param connections     at most this many ranges at once for one file
     * @param minSegmentBytes a file is split only into ranges at least this big
     * @param maxAttempts     consecutive failures without a byte of progress before giving up
     */
    record Options(int connections, long minSegmentBytes, Duration stallTimeout, int maxAttempts, Duration firstBackoff) {
        static final Options DEFAULTS = new Options(4, 32L << 20, Duration.ofSeconds(30), 8, Duration.ofSeconds(1));
    }

    /** The transfer cannot go on: the message says why, for the job's error. */
    static final class Failed extends IOException {
        Failed(String message) {
            super(message);
        }
    }

    /** The file on the server is not the one the partial holds (its ETag or size changed). */
    private static final class Changed extends IOException {
        Changed(String message) {
            super(message);
        }
    }

    /** What a transfer tells its job: the size once the server says it, and each chunk's byte count. */
    interface Progress {
        void size(long bytes);

        /** Bytes fetched, or a negative count when fetched bytes are thrown away. */
        void bytes(long delta);
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final long DISK_MARGIN = 64L << 20;

    private final HttpFetch http;
    private final Options options;

    FileTransfer(HttpFetch http, Options options) {
        this.http = http;
        this.options = options;
    }

    /** One byte range of the file, fetched by one connection; {@code end} is exclusive, -1 when the size is unknown. */
    private static final class Segment {
        final long start;
        final long end;
        volatile long done;
        volatile long lastProgressNanos = System.nanoTime();
        volatile InputStream reading;

        Segment(long start, long end, long done) {
            this.start = start;
            this.end = end;
            this.done = done;
        }

        boolean complete() {
            return end >= 0 && start + done >= end;
        }
    }

    private record Probe(long size, boolean ranges, String etag) {}

    /** Bytes of the partial already fetched (for progress after a restart), 0 when there is none. */
    static long resumedBytes(Path part) {
        JsonNode state = readState(part);
        long sum = 0;
        if (state != null) {
            for (JsonNode s : state.path("segments")) {
                sum += s.path(2).asLong(0);
            }
        }
        return sum;
    }

    /**
     * Fetches {@code file} into {@code part} until it is whole; a {@code stop} that becomes true ends it early
     * (an {@link InterruptedException}), the partial kept.
     */
    void fetch(RemoteFile file, Path part, Progress progress, BooleanSupplier stop)
            throws IOException, InterruptedException {
        for (int restarts = 0; ; restarts++) {
            try {
                fetchOnce(file, part, progress, stop);
                return;
            } catch (Changed changed) {
                progress.bytes(-resumedBytes(part));
                discard(part);
                if (restarts >= 2) {
                    throw new Failed(file.name() + " keeps changing on the server: " + changed.getMessage());
                }
            }
        }
    }

    /** Deletes a partial and its state. */
    static void discard(Path part) throws IOException {
        Files.deleteIfExists(part);
        Files.deleteIfExists(statePath(part));
    }

    private void fetchOnce(RemoteFile file, Path part, Progress progress, BooleanSupplier stop)
            throws IOException, InterruptedException {
        Probe probe = probe(file.url(), stop);
        progress.size(probe.size());
        JsonNode saved = Files.exists(part) ? readState(part) : null;
        List<Segment> segments;
        if (saved != null && probe.ranges() && probe.size() == saved.path("size").asLong(-2)
                && probe.etag().equals(saved.path("etag").asText())) {
            segments = new ArrayList<>();
            for (JsonNode s : saved.path("segments")) {
                segments.add(new Segment(s.path(0).asLong(), s.path(1).asLong(), s.path(2).asLong()));
            }
        } else {
            if (saved != null || Files.exists(part)) { // another version of the file, or a server that forgot ranges
                progress.bytes(-resumedBytes(part));
                discard(part);
            }
            segments = split(probe);
        }
        long missing = segments.stream().mapToLong(s -> s.end < 0 ? 0 : s.end - s.start - s.done).sum();
        Files.createDirectories(part.getParent());
        long free = Files.getFileStore(part.getParent()).getUsableSpace();
        if (missing + DISK_MARGIN > free) {
            throw new Failed("not enough disk space for " + file.name() + ": it needs " + gb(missing) + " more, "
                    + gb(free) + " are free on the models folder's disk");
        }
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            runSegments(file, probe, segments, out, part, progress, stop);
        } finally {
            writeState(part, probe, segments);
        }
    }

    private List<Segment> split(Probe probe) {
        if (!probe.ranges() || probe.size() < 0) {
            return List.of(new Segment(0, probe.size(), 0));
        }
        int n = (int) Math.max(1, Math.min(options.connections(), probe.size() / Math.max(1, options.minSegmentBytes())));
        List<Segment> out = new ArrayList<>();
        long each = probe.size() / n;
        for (int i = 0; i < n; i++) {
            out.add(new Segment(i * each, i == n - 1 ? probe.size() : (i + 1) * each, 0));
        }
        return out;
    }

    private void runSegments(RemoteFile file, Probe probe, List<Segment> segments, FileChannel out, Path part,
                             Progress progress, BooleanSupplier stop)
            throws IOException, InterruptedException {
        AtomicBoolean aborted = new AtomicBoolean(); // one connection failed for good: the others stop too
        BooleanSupplier halt = () -> aborted.get() || stop.getAsBoolean();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (Segment s : segments) {
                if (!s.complete()) {
                    running.add(pool.submit(() -> {
                        fetchSegment(file, probe, s, out, progress, halt);
                        return null;
                    }));
                }
            }
            // Watch the connections: a stalled one is closed (its read then fails and it retries), a stop closes all,
            // and the state file is kept current so a kill loses at most a second of progress.
            long lastSave = System.nanoTime();
            while (running.stream().anyMatch(f -> !f.isDone())) {
                Thread.sleep(Math.min(200, Math.max(10, options.stallTimeout().toMillis() / 4)));
                if (running.stream().anyMatch(f -> f.state() == Future.State.FAILED)) {
                    aborted.set(true);
                }
                long now = System.nanoTime();
                for (Segment s : segments) {
                    InputStream in = s.reading;
                    if (in != null && (halt.getAsBoolean() || now - s.lastProgressNanos > options.stallTimeout().toNanos())) {
                        closeQuietly(in);
                    }
                }
                if (now - lastSave > 1_000_000_000L) {
                    writeState(part, probe, segments);
                    lastSave = now;
                }
            }
            IOException failure = null;
            for (Future<?> f : running) {
                if (f.state() == Future.State.FAILED && !(f.exceptionNow() instanceof InterruptedException)) {
                    failure = failure != null ? failure
                            : f.exceptionNow() instanceof IOException io ? io : new IOException(f.exceptionNow());
                }
            }
            if (failure != null) {
                throw failure;
            }
            if (stop.getAsBoolean() || segments.stream().anyMatch(s -> !s.complete() && s.end >= 0)) {
                throw new InterruptedException("stopped");
            }
        }
    }

    /** Fetches what one range still lacks, retrying with back-off while attempts make progress. */
    private void fetchSegment(RemoteFile file, Probe probe, Segment s, FileChannel out, Progress progress,
                              BooleanSupplier stop) throws IOException, InterruptedException {
        int failures = 0;
        while (!s.complete()) {
            if (stop.getAsBoolean()) {
                throw new InterruptedException("stopped");
            }
            long before = s.done;
            try {
                fetchRange(file, probe, s, out, progress, stop);
                if (s.end < 0) {
                    return; // unknown size: read to the end
                }
            } catch (Changed | Failed e) {
                throw e;
            } catch (IOException e) {
                if (stop.getAsBoolean()) {
                    throw new InterruptedException("stopped");
                }
                failures = s.done > before ? 1 : failures + 1;
                if (failures >= options.maxAttempts()) {
                    throw new Failed(file.name() + ": gave up after " + failures + " failed attempts: " + e.getMessage());
                }
                if (s.end < 0 || !probe.ranges()) { // no ranges: the whole file again
                    progress.bytes(-s.done);
                    s.done = 0;
                }
                Thread.sleep(backoff(failures));
            }
        }
    }

    private long backoff(int failures) {
        return Math.min(30_000, options.firstBackoff().toMillis() << Math.min(failures - 1, 5));
    }

    private void fetchRange(RemoteFile file, Probe probe, Segment s, FileChannel out, Progress progress,
                            BooleanSupplier stop) throws IOException, InterruptedException {
        long from = s.start + s.done;
        Map<String, String> headers = probe.ranges()
                ? Map.of("Range", "bytes=" + from + "-" + (s.end - 1), "If-Range", probe.etag(), "Accept-Encoding", "identity")
                : Map.of("Accept-Encoding", "identity");
        HttpResponse<InputStream> response = http.get(file.url(), headers, options.stallTimeout());
        try (InputStream in = response.body()) {
            int status = response.statusCode();
            if (probe.ranges() && status == 200) {
                throw new Changed("the server sent the whole file instead of the range asked for");
            }
            if (status == 408 || status == 429 || status / 100 == 5) {
                throw new IOException("the server answered " + status); // busy or throttling: retried after a pause
            }
            if (status != (probe.ranges() ? 206 : 200)) {
                throw statusError(file, status);
            }
            if (probe.ranges()) {
                Matcher range = CONTENT_RANGE.matcher(response.headers().firstValue("content-range").orElse(""));
                if (!range.matches() || Long.parseLong(range.group(1)) != from) {
                    throw new IOException("the server sent another range than asked for");
                }
            }
            s.reading = in;
            s.lastProgressNanos = System.nanoTime();
            byte[] buffer = new byte[1 << 16];
            while (!s.complete()) {
                int want = s.end < 0 ? buffer.length : (int) Math.min(buffer.length, s.end - s.start - s.done);
                int n = in.read(buffer, 0, want);
                if (n < 0) {
                    if (s.end < 0) {
                        return;
                    }
                    throw new IOException("the connection ended " + (s.end - s.start - s.done) + " bytes early");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                long at = s.start + s.done;
                while (chunk.hasRemaining()) {
                    at += out.write(chunk, at);
                }
                s.done += n;
                s.lastProgressNanos = System.nanoTime();
                progress.bytes(n);
                if (stop.getAsBoolean()) {
                    throw new InterruptedException("stopped");
                }
            }
        } finally {
            s.reading = null;
        }
    }

    /** Asks for the first byte: the size, whether ranges are served, and the version (ETag) of the file. */
    private Probe probe(URI url, BooleanSupplier stop) throws IOException, InterruptedException {
        int failures = 0;
        while (true) {
            try {
                HttpResponse<InputStream> r = http.get(url, Map.of("Range", "bytes=0-0", "Accept-Encoding", "identity"),
                        options.stallTimeout());
                r.body().close();
                String etag = r.headers().firstValue("etag").orElse("");
                if (r.statusCode() == 206) {
                    Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("content-range").orElse(""));
                    if (m.matches() && !m.group(3).equals("*") && !etag.isEmpty() && !etag.startsWith("W/")) {
                        return new Probe(Long.parseLong(m.group(3)), true, etag);
                    }
                    // ranges, but without a strong ETag a resumed range could come from another version: no ranges
                    return new Probe(m.matches() && !m.group(3).equals("*") ? Long.parseLong(m.group(3)) : -1, false, etag);
                }
                if (r.statusCode() == 200) {
                    return new Probe(r.headers().firstValueAsLong("content-length").orElse(-1), false, etag);
                }
                if (r.statusCode() == 416) {
                    return new Probe(0, false, etag);
                }
                if (r.statusCode() / 100 == 4 && r.statusCode() != 408 && r.statusCode() != 429) {
                    throw statusError(null, r.statusCode());
                }
                throw new IOException("the server answered " + r.statusCode());
            } catch (Failed e) {
                throw e;
            } catch (IOException e) {
                if (stop.getAsBoolean()) {
                    throw new InterruptedException("stopped");
                }
                if (++failures >= options.maxAttempts()) {
                    throw new Failed("cannot reach " + url.getHost() + ": " + e.getMessage());
                }
                Thread.sleep(backoff(failures));
            }
        }
    }

    private static Failed statusError(RemoteFile file, int status) {
        String what = file == null ? "the file" : file.name();
        return switch (status) {
            case 401, 403 -> new Failed(what + ": the server refused it (" + status + "); a gated or private model needs "
                    + "HF_TOKEN or CIVITAI_TOKEN");
            case 404, 410 -> new Failed(what + ": not found on the server (" + status + ")");
            default -> new Failed(what + ": the server answered " + status);
        };
    }

    private static Path statePath(Path part) {
        return part.resolveSibling(part.getFileName() + ".json");
    }

    private static JsonNode readState(Path part) {
        try {
            Path state = statePath(part);
            return Files.exists(state) ? Json.parse(Files.readString(state)) : null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable state: the partial is fetched again
        }
    }

    private static void writeState(Path part, Probe probe, List<Segment> segments) throws IOException {
        ObjectNode state = Json.object().put("size", probe.size()).put("etag", probe.etag());
        ArrayNode list = state.putArray("segments");
        for (Segment s : segments) {
            list.addArray().add(s.start).add(s.end).add(s.done);
        }
        Path tmp = part.resolveSibling(part.getFileName() + ".json.tmp");
        Files.writeString(tmp, Json.write(state));
        Files.move(tmp, statePath(part), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is how a stalled read is ended
            }
        }
    }

    static String gb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
