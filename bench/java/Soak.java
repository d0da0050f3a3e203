import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.io.BufferedReader;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bounded soak test: the real program (dist/mysticanvas.jar) with the tiny models on loopback, mixed chat
 * turns and image jobs from two clients, a worker killed with SIGKILL every minute (alternating). At the
 * end every chat reply and image the clients were told is done must be in storage (lost writes = 0).
 * Usage: java -cp dist/mysticanvas.jar:classes Soak JAR SECONDS
 */
public final class Soak {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final AtomicInteger served = new AtomicInteger();
    static final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    static final Set<String> doneReplies = ConcurrentHashMap.newKeySet();
    static final Set<String> doneImages = ConcurrentHashMap.newKeySet();

    public static void main(String[] args) throws Exception {
        String jar = args[0];
        long seconds = Long.parseLong(args[1]);
        String java = ProcessHandle.current().info().command().orElse("java");
        Path work = Files.createTempDirectory("mysti-soak");
        Path models = work.resolve("models");
        run(List.of(java, "-jar", jar, "synth-models", "--out", models.toString(), "--preset", "tiny"));
        Process orchestrator = new ProcessBuilder(java, "-jar", jar, "--port", "0", "--models-dir", models.toString(),
                "--data-dir", work.resolve("data").toString(), "--llm-model", "tiny-llama.gguf", "--sd-model", "tiny-sd.safetensors",
                "--llm-threads", "1", "--sd-threads", "1", "--log-level", "warn").redirectErrorStream(true).start();
        URI base = awaitUrl(orchestrator);
        awaitModels(base);
        long orchestratorRssStart = rss(orchestrator.pid());
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;

        Thread chat = Thread.ofPlatform().start(() -> {
            String conversation = post(base, "/api/conversations", "{\"title\":\"soak\"}").path("id").asText();
            while (System.nanoTime() < deadline) {
                String done = streamUntil(base, "/api/conversations/" + conversation + "/chat",
                        "{\"content\":\"tell me something\",\"settings\":{\"max_tokens\":24}}", "done", "message", "id");
                if (done != null) {
                    doneReplies.add(conversation + "/" + done);
                }
            }
        });
        Thread images = Thread.ofPlatform().start(() -> {
            while (System.nanoTime() < deadline) {
                String id = streamUntil(base, "/api/images", "{\"prompt\":\"a soak test\",\"width\":64,\"height\":64,\"steps\":4}",
                        "image", "image", "id");
                if (id != null) {
                    doneImages.add(id);
                }
            }
        });
        int kills = 0;
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.min(60_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            if (System.nanoTime() >= deadline) {
                break;
            }
            String worker = kills++ % 2 == 0 ? "llm" : "sd";
            long pid = get(base, "/api/workers").path("workers").path(worker).path("pid").asLong();
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            System.out.printf("%4ds  killed the %s worker (pid %d)%n", seconds - (deadline - System.nanoTime()) / 1_000_000_000L, worker, pid);
        }
        chat.join();
        images.join();
        awaitModels(base);

        int lostReplies = 0;
        for (String key : doneReplies) {
            String[] parts = key.split("/");
            JsonNode messages = get(base, "/api/conversations/" + parts[0]).path("messages");
            boolean found = false;
            for (JsonNode m : messages) {
                found |= m.path("id").asText().equals(parts[1]) && m.path("status").asText().equals("complete");
            }
            lostReplies += found ? 0 : 1;
        }
        int lostImages = 0;
        for (String id : doneImages) {
            lostImages += HTTP.send(HttpRequest.newBuilder(base.resolve("/api/gallery/" + id + "/image")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200 ? 0 : 1;
        }
        JsonNode workers = get(base, "/api/workers").path("workers");
        System.out.printf("duration %d s; requests served %d (chat replies %d, images %d); errors %s%n", seconds, served.get(),
                doneReplies.size(), doneImages.size(), errors);
        System.out.printf("worker kills %d; restarts llm %d, sd %d; lost writes %d (replies %d, images %d)%n", kills,
                workers.path("llm").path("restarts").asInt(), workers.path("sd").path("restarts").asInt(),
                lostReplies + lostImages, lostReplies, lostImages);
        System.out.printf("orchestrator RSS %d MB -> %d MB; workers now llm %d MB, sd %d MB%n", orchestratorRssStart >> 20,
                rss(orchestrator.pid()) >> 20, workers.path("llm").path("rssBytes").asLong() >> 20,
                workers.path("sd").path("rssBytes").asLong() >> 20);
        orchestrator.destroy();
        orchestrator.waitFor();
        System.exit(lostReplies + lostImages == 0 ? 0 : 1);
    }

    /** Posts and reads the event stream; returns {@code field} of {@code object} in the first {@code event}, or null. */
    static String streamUntil(URI base, String path, String body, String event, String object, String field) {
        try {
            HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(base.resolve(path))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                errors.computeIfAbsent(path.replaceAll("/[0-9a-f-]{36}/", "/{id}/") + " " + r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                r.body().close();
                Thread.sleep(200);
                return null;
            }
            String current = "";
            String found = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event: ")) {
                        current = line.substring(7);
                    } else if (line.startsWith("data: ") && current.equals(event) && found == null) {
                        found = Json.parse(line.substring(6)).path(object).path(field).asText(null);
                    } else if (line.startsWith("data: ") && current.equals("error")) {
                        errors.computeIfAbsent(path.replaceAll("/[0-9a-f-]{36}/", "/{id}/") + " stream error", k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }
            served.incrementAndGet();
            return found;
        } catch (Exception e) {
            errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
            return null;
        }
    }

    static JsonNode get(URI base, String path) throws Exception {
        return Json.parse(HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    static JsonNode post(URI base, String path, String body) {
        try {
            return Json.parse(HTTP.send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void awaitModels(URI base) throws Exception {
        for (int i = 0; i < 1200; i++) {
            JsonNode w = get(base, "/api/workers").path("workers");
            if (w.path("llm").path("model").isTextual() && w.path("sd").path("model").isTextual()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("models not loaded in 2 minutes");
    }

    static URI awaitUrl(Process p) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Pattern running = Pattern.compile("running at (http://\\S+/)");
        String line;
        while ((line = in.readLine()) != null) {
            Matcher m = running.matcher(line);
            if (m.find()) {
                Thread.ofVirtual().start(() -> { // keep draining the console until the process ends
                    try {
                        while (in.readLine() != null) {
                            // discard
                        }
                    } catch (java.io.IOException ignored) {
                        // the process is gone
                    }
                });
                return URI.create(m.group(1));
            }
        }
        throw new IllegalStateException("orchestrator did not start");
    }

    static long rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    static void run(List<String> cmd) throws Exception {
        if (new ProcessBuilder(cmd).inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException("failed: " + cmd);
        }
    }
}
