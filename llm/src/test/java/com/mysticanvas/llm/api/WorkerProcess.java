package com.mysticanvas.llm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalInt;

/** A real LLM worker process on loopback, started from this test class path, and an HTTP client for it. */
final class WorkerProcess implements AutoCloseable {
    private static final String SECRET = "test-secret";

    private final Process process;
    private final int port;
    private final Deque<String> log = new ArrayDeque<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Answer(int status, JsonNode json, String body, String contentType) {}

    WorkerProcess(Path modelsDir, String startupModel) throws IOException {
        this(modelsDir, startupModel, "info");
    }

    WorkerProcess(Path modelsDir, String startupModel, String logLevel) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", // The RSS test is about llama.cpp's memory: a fixed, pre-touched heap keeps the heap filling up out of
                // it, and C1-only JIT keeps out C2's compiler arenas (tens of MB that come and go, measured).
                "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), TestWorkerMain.class.getName(),
                modelsDir.toString(), startupModel == null ? "-" : startupModel, logLevel);
        pb.environment().put(Handshake.SECRET_ENV, SECRET);
        process = pb.start();
        Thread.ofPlatform().daemon().start(() -> drain(process.getErrorStream()));
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        int found = 0;
        String line;
        while (found == 0 && (line = out.readLine()) != null) {
            OptionalInt p = Handshake.parse(line);
            if (p.isPresent()) {
                found = p.getAsInt();
            } else {
                remember(line);
            }
        }
        if (found == 0) {
            throw new IOException("worker exited without a handshake; log:\n" + log());
        }
        port = found;
        Thread.ofPlatform().daemon().start(() -> drain(process.getInputStream()));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    synchronized String log() {
        return String.join("\n", log);
    }

    /** The log once it contains {@code text} (read by another thread, it can trail the HTTP answers), or after 10 s. */
    String logOnceItContains(String text) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String now = log();
        while (!now.contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = log();
        }
        return now;
    }

    private void drain(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                remember(line);
            }
        } catch (IOException ignored) {
            // process gone
        }
    }

    private synchronized void remember(String line) {
        log.add(line);
        if (log.size() > 2000) {
            log.removeFirst();
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .header(Handshake.SECRET_HEADER, SECRET);
    }

    /** Waits (up to 30 s) until the worker reports {@code model} loaded; fails with the worker's log otherwise. */
    WorkerProcess awaitModel(String model) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!model.equals(get("/health").json().path("model").asText(null))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the worker did not load " + model + "; log:\n" + log());
            }
            Thread.sleep(20);
        }
        return this;
    }

    Answer get(String path) throws Exception {
        return answer(http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }

    Answer post(String path, String body) throws Exception {
        return answer(http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    Answer post(String path, JsonNode body) throws Exception {
        return post(path, Json.write(body));
    }

    /** A streamed POST: the response as soon as its headers arrive; the caller reads (or abandons) the body. */
    HttpResponse<InputStream> stream(String path, JsonNode body) throws Exception {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static Answer answer(HttpResponse<String> r) {
        JsonNode json = null;
        try {
            json = Json.MAPPER.readTree(r.body());
        } catch (IOException notJson) {
            // SSE or empty
        }
        return new Answer(r.statusCode(), json, r.body(), r.headers().firstValue("content-type").orElse(""));
    }

    /** Resident memory of the worker process in kB. */
    long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close(); // stdin EOF: the worker exits by itself
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    int port() {
        return port;
    }

    /** The header line that authorises a raw HTTP request to this worker. */
    String secretHeaderLine() {
        return Handshake.SECRET_HEADER + ": " + SECRET + "\r\n";
    }
}
