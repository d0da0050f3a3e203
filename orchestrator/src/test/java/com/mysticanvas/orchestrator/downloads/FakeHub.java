package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face's Hub and civitai as tests need them, on loopback: the Hub's API (revision, paged tree listing with
 * LFS oids and sizes, search) and {@code resolve} URLs at 127.0.0.1 that redirect to a "CDN" at {@code localhost}
 * (another host name, so a token must not follow), civitai's model and version API and its download redirect. The CDN
 * serves byte ranges with strong ETags and can throttle, drop a connection part-way, stall, lie about a size, or
 * change a file. It records what it was asked, for the tests' assertions.
 */
public final class FakeHub implements AutoCloseable {
    /** One file the CDN serves, and how it misbehaves. */
    public static final class Blob {
        public volatile byte[] bytes;
        /** The SHA-256 the listing gives (a wrong one tests the check). */
        public volatile String listedSha;
        public volatile long bytesPerSecond; // 0: as fast as it goes
        /** Closes the connection after this many bytes of the body, once; -1: never. */
        public volatile long dropAfter = -1;
        /** Stops sending (without closing) after this many bytes, once; -1: never. */
        public volatile long stallAfter = -1;
        /** Answers this many of the next ranged requests with 429 Too Many Requests (throttling), then serves. */
        public final AtomicInteger throttleNext = new AtomicInteger();
        /** The size the CDN claims (Content-Range) instead of the real one; -1: the real one. */
        public volatile long claimedSize = -1;
        volatile int version;

        Blob(byte[] bytes) {
            this.bytes = bytes;
            this.listedSha = sha256(bytes);
        }

        String etag() {
            return "\"" + sha256(bytes).substring(0, 16) + "-" + version + "\"";
        }

        /** Another content under the same name: a new ETag, and the listing follows. */
        public void change(byte[] newBytes) {
            bytes = newBytes;
            listedSha = sha256(newBytes);
            version++;
        }
    }

    /** A request the CDN or the API saw. */
    public record Seen(String host, String path, String range, String authorization) {}

    public static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    private final HttpServer api;
    private final HttpServer cdn;
    private final Map<String, Map<String, Blob>> repos = new ConcurrentHashMap<>();
    private final Map<String, String> gated = new ConcurrentHashMap<>();
    private final Map<Long, ObjectNode> civitaiModels = new ConcurrentHashMap<>();
    private final Map<String, Blob> blobs = new ConcurrentHashMap<>();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    public final AtomicInteger concurrentRanges = new AtomicInteger();
    public final AtomicInteger mostConcurrentRanges = new AtomicInteger();
    /** Entries per page of a tree listing (small, so the Link paging is exercised). */
    public volatile int pageSize = 2;

    public FakeHub() throws IOException {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        api.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        cdn.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        api.createContext("/", this::api);
        cdn.createContext("/", this::cdn);
        api.start();
        cdn.start();
    }

    /** The Hub (and civitai) endpoint: {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    private String cdnBase() {
        return "http://localhost:" + cdn.getAddress().getPort();
    }

    /** Adds a file to a repo (created on first use) and returns it to misbehave with. */
    public Blob file(String repo, String path, byte[] bytes) {
        Blob b = new Blob(bytes);
        repos.computeIfAbsent(repo, r -> new ConcurrentHashMap<>()).put(path, b);
        blobs.put(repo + "/" + path, b);
        return b;
    }

    /** The repo answers only requests that carry {@code Bearer token}. */
    public void gate(String repo, String token) {
        gated.put(repo, token);
    }

    /** A civitai model of {@code type} with one version holding one file. */
    public Blob civitai(long modelId, long versionId, String type, String fileName, byte[] bytes) {
        Blob b = new Blob(bytes);
        blobs.put("civitai/" + versionId, b);
        ObjectNode model = Json.object().put("id", modelId).put("name", "model " + modelId).put("type", type);
        ObjectNode version = model.putArray("modelVersions").addObject().put("id", versionId).put("modelId", modelId).put("name", "v1");
        version.putObject("model").put("name", "model " + modelId).put("type", type);
        version.putArray("files").addObject().put("name", fileName).put("type", "Model").put("primary", true)
                .put("sizeKB", bytes.length / 1024.0)
                .put("downloadUrl", endpoint() + "/api/download/models/" + versionId)
                .putObject("hashes").put("AutoV2", b.listedSha.substring(0, 10).toUpperCase()).put("SHA256", b.listedSha.toUpperCase());
        civitaiModels.put(modelId, model);
        return b;
    }

    public static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Pattern REVISION = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/]+)");
    private static final Pattern TREE = Pattern.compile("/api/models/([^/]+/[^/]+)/tree/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern CIVITAI_MODEL = Pattern.compile("/api/v1/models/(\\d+)");
    private static final Pattern CIVITAI_VERSION = Pattern.compile("/api/v1/model-versions/(\\d+)");
    private static final Pattern CIVITAI_DOWNLOAD = Pattern.compile("/api/download/models/(\\d+)");

    private void api(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            seen.add(new Seen("api", path, null, x.getRequestHeaders().getFirst("Authorization")));
            Matcher m;
            if ((m = REVISION.matcher(path)).matches() && allowed(x, m.group(1))) {
                json(x, 200, Json.object().put("id", m.group(1)).put("sha", COMMIT));
            } else if ((m = TREE.matcher(path)).matches() && allowed(x, m.group(1))) {
                tree(x, m.group(1));
            } else if ((m = RESOLVE.matcher(path)).matches() && allowed(x, m.group(1))) {
                Blob b = repos.get(m.group(1)).get(m.group(3));
                if (b == null) {
                    json(x, 404, Json.object().put("error", "Entry not found"));
                } else {
                    redirect(x, cdnBase() + "/blob/" + m.group(1) + "/" + m.group(3) + "?signature=xyz");
                }
            } else if (path.equals("/api/models")) {
                ArrayNode out = Json.MAPPER.createArrayNode();
                String q = x.getRequestURI().getQuery() == null ? "" : x.getRequestURI().getQuery();
                repos.keySet().stream().sorted().filter(r -> q.contains("search=") && r.contains(q.replaceFirst(".*search=([^&]*).*", "$1")))
                        .forEach(r -> out.addObject().put("id", r).put("downloads", 100).put("likes", 5).putArray("tags").add("gguf"));
                json(x, 200, out);
            } else if ((m = CIVITAI_MODEL.matcher(path)).matches() && civitaiModels.containsKey(Long.parseLong(m.group(1)))) {
                json(x, 200, civitaiModels.get(Long.parseLong(m.group(1))));
            } else if ((m = CIVITAI_VERSION.matcher(path)).matches()) {
                long id = Long.parseLong(m.group(1));
                ObjectNode version = civitaiModels.values().stream().map(model -> (ObjectNode) model.path("modelVersions").get(0))
                        .filter(v -> v.path("id").asLong() == id).findFirst().orElse(null);
                json(x, version == null ? 404 : 200, version == null ? Json.object().put("error", "No version") : version);
            } else if ((m = CIVITAI_DOWNLOAD.matcher(path)).matches()) {
                redirect(x, cdnBase() + "/blob/civitai/" + m.group(1));
            } else if (x.getResponseCode() == -1) { // not answered yet (a refused repo is)
                json(x, 404, Json.object().put("error", "Repository not found"));
            }
        }
    }

    private boolean allowed(HttpExchange x, String repo) throws IOException {
        if (!repos.containsKey(repo)) {
            json(x, 404, Json.object().put("error", "Repository not found"));
            return false;
        }
        String token = gated.get(repo);
        if (token != null && !("Bearer " + token).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            json(x, 401, Json.object().put("error", "Access to model " + repo + " is restricted."));
            return false;
        }
        return true;
    }

    private void tree(HttpExchange x, String repo) throws IOException {
        List<String> paths = repos.get(repo).keySet().stream().sorted().toList();
        String query = x.getRequestURI().getQuery() == null ? "" : x.getRequestURI().getQuery();
        int from = query.matches(".*cursor=\\d+.*") ? Integer.parseInt(query.replaceFirst(".*cursor=(\\d+).*", "$1")) : 0;
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = from; i < Math.min(paths.size(), from + pageSize); i++) {
            Blob b = repos.get(repo).get(paths.get(i));
            ObjectNode f = out.addObject().put("type", "file").put("oid", "a".repeat(40)).put("size", b.bytes.length)
                    .put("path", paths.get(i));
            f.putObject("lfs").put("oid", b.listedSha).put("size", b.claimedSize >= 0 ? b.claimedSize : b.bytes.length)
                    .put("pointerSize", 134);
        }
        if (from + pageSize < paths.size()) {
            x.getResponseHeaders().add("Link", "<" + endpoint() + "/api/models/" + repo + "/tree/main?recursive=true&cursor="
                    + (from + pageSize) + ">; rel=\"next\"");
        }
        json(x, 200, out);
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private void cdn(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String range = x.getRequestHeaders().getFirst("Range");
            seen.add(new Seen("cdn", path, range, x.getRequestHeaders().getFirst("Authorization")));
            Blob b = path.startsWith("/blob/") ? blobs.get(path.substring("/blob/".length())) : null;
            if (b == null) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            if (range != null && !range.equals("bytes=0-0") && b.throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                x.getResponseHeaders().add("Retry-After", "1");
                x.sendResponseHeaders(429, -1);
                return;
            }
            byte[] bytes = b.bytes;
            long size = b.claimedSize >= 0 ? b.claimedSize : bytes.length;
            String etag = b.etag();
            x.getResponseHeaders().add("ETag", etag);
            x.getResponseHeaders().add("Accept-Ranges", "bytes");
            long from = 0;
            long to = size - 1;
            String ifRange = x.getRequestHeaders().getFirst("If-Range");
            Matcher m = range == null ? null : RANGE.matcher(range);
            boolean partial = m != null && m.matches() && (ifRange == null || ifRange.equals(etag));
            if (partial) {
                from = Long.parseLong(m.group(1));
                to = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
                x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + size);
            }
            long length = to - from + 1;
            x.sendResponseHeaders(partial ? 206 : 200, length);
            boolean ranged = partial && length > 1;
            if (ranged) {
                mostConcurrentRanges.accumulateAndGet(concurrentRanges.incrementAndGet(), Math::max);
            }
            try (OutputStream out = x.getResponseBody()) {
                long sent = 0;
                int chunk = 4096;
                while (sent < length && from + sent < bytes.length) {
                    int n = (int) Math.min(chunk, Math.min(length - sent, bytes.length - from - sent));
                    out.write(bytes, (int) (from + sent), n);
                    out.flush();
                    sent += n;
                    long at = from + sent;
                    if (b.dropAfter >= 0 && at >= b.dropAfter) {
                        b.dropAfter = -1;
                        throw new IOException("dropped on purpose"); // the server then closes the connection
                    }
                    if (b.stallAfter >= 0 && at >= b.stallAfter) {
                        b.stallAfter = -1;
                        Thread.sleep(60_000);
                    }
                    if (b.bytesPerSecond > 0) {
                        Thread.sleep(Math.max(1, n * 1000L / b.bytesPerSecond));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (ranged) {
                    concurrentRanges.decrementAndGet();
                }
            }
        }
    }

    private static void redirect(HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().add("Location", location);
        x.sendResponseHeaders(302, -1);
    }

    private static void json(HttpExchange x, int status, Object body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        api.stop(0);
        cdn.stop(0);
    }
}
