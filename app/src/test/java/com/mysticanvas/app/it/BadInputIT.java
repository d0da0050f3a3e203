package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerKind;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Bad input on every route that takes a body, through the orchestrator to the real workers: every answer
 * is a JSON error with a 4xx (or a 503 when a worker has no model), never a 5xx, and no process dies.
 * Then generated bodies (seeded, so a failure replays) go to the same routes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputIT {
    static TestOrchestrator o;
    static Path dir;
    static String conversation;
    static long llmPid;
    static long sdPid;

    /** 503s that are a worker's honest answer to a request it cannot serve now, not a fault. */
    private static final Set<String> HONEST_503 = Set.of("no_model_loaded", "worker_unavailable");

    static final List<String> POST_ROUTES = List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings",
            "/v1/llm/load", "/v1/llm/tokenize", "/v1/llm/detokenize", "/v1/images/generations", "/v1/images/edits",
            "/v1/models/load", "/v1/images/interrupt", "/sdapi/v1/txt2img", "/sdapi/v1/img2img", "/sdapi/v1/options",
            "/api/conversations", "/api/conversations/{c}/chat", "/api/conversations/{c}/messages", "/api/images");

    static final List<String> BAD_BODIES = List.of("", "{", "{\"a\":", "[]", "null", "\"text\"", "123", "true",
            "{\"prompt\":5}", "{\"prompt\":null}", "{\"messages\":\"x\"}", "{\"messages\":[{\"role\":\"wizard\"}]}",
            "{\"messages\":[]}", "{\"model\":\"../../etc/passwd\"}", "{\"model\":\"/etc/passwd\"}",
            "{\"checkpoint\":\"../x.safetensors\"}", "{\"sd_model_checkpoint\":\"/etc/shadow\"}",
            "{\"prompt\":\"\\ud800 lone surrogate\"}", "{\"prompt\":\"nul \\u0000 byte\"}",
            "{\"prompt\":\"x\",\"width\":2147483647,\"height\":2147483647}", "{\"prompt\":\"x\",\"size\":\"99999999x99999999\"}",
            "{\"prompt\":\"x\",\"steps\":-1}", "{\"prompt\":\"x\",\"n\":100000}", "{\"prompt\":\"x\",\"max_tokens\":-5}",
            "{\"prompt\":\"x\",\"seed\":\"abc\"}", "{\"prompt\":\"x\",\"cfg_scale\":1e308}", "{\"prompt\":[1,2,3]}",
            "{\"init_images\":[\"%%%\"],\"prompt\":\"x\"}", "{\"image\":\"AAAA\",\"prompt\":\"x\"}",
            "[".repeat(5000) + "]".repeat(5000), "{\"prompt\":\"" + "x".repeat(200_000) + "\"}", "{\"role\":\"user\",\"content\":5}");

    @BeforeAll
    static void start() throws Exception {
        dir = java.nio.file.Files.createTempDirectory("bad-input");
        TinyModels.write(dir.resolve("models"));
        // Tight limits (a legitimate configuration) keep whatever valid work the fuzzing starts small.
        o = TestOrchestrator.builder(dir).sdModel("tiny-sd.safetensors")
                .limits(new Limits(128, 4, 2, 2_000, 2, 16, 4, 16)).start();
        llmPid = o.awaitReady(WorkerKind.LLM).path("pid").asLong();
        sdPid = o.awaitWorker(WorkerKind.SD, w -> "tiny-sd.safetensors".equals(w.path("model").asText()),
                java.time.Duration.ofSeconds(60)).path("pid").asLong();
        conversation = Json.parse(o.post("/api/conversations", "{\"title\":\"fuzz\"}").body()).path("id").asText();
    }

    @AfterAll
    static void stop() {
        if (o != null) {
            o.close();
        }
    }

    @Test
    @Order(1)
    void everyRouteAnswersEveryBadBodyWithAClientError() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String route : POST_ROUTES) {
            for (String body : BAD_BODIES) {
                check(route, body, failures);
            }
        }
        for (String get : List.of("/api/gallery?limit=abc", "/api/gallery?before=x", "/api/conversations/nope",
                "/api/gallery/nope/image", "/v1/llm/models/../../etc", "/sdapi/v1/progress?skip_current_image=maybe")) {
            HttpResponse<String> r = o.get(get);
            if (r.statusCode() >= 500) {
                failures.add("GET " + get + " -> " + r.statusCode() + " " + r.body());
            }
        }
        assertThat(failures).isEmpty();
        assertWorkersSurvived();
    }

    /** Property: no generated body, on any route, gets a server fault. Seeded: a failure names the seed to replay. */
    @Test
    @Order(2)
    void generatedBodiesNeverCauseAServerFault() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            check(POST_ROUTES.get(random.nextInt(POST_ROUTES.size())), body(random), failures);
        }
        assertThat(failures).as("replay with -Dfuzz.seed=" + seed).isEmpty();
    }

    @Test
    @Order(3)
    void theWorkersAreStillTheSameProcessesAfterTheFuzzing() throws Exception {
        assertWorkersSurvived();
    }

    private static final List<String> KEYS = List.of("prompt", "messages", "model", "width", "height", "steps", "n",
            "seed", "size", "max_tokens", "temperature", "stream", "image", "mask", "init_images", "checkpoint", "content",
            "role", "response_format", "tools", "stop", "logit_bias", "loras", "sampler", "title", "settings");
    private static final List<String> ODD_VALUES = List.of("null", "true", "[]", "{}", "[1,\"a\",null]",
            "{\"type\":\"json_schema\"}", "[{\"role\":\"user\",\"content\":[]}]", "\"../../x\"", "\"64x64\"", "-1", "0",
            "1e999", "-9223372036854775809", "\"\\ud800\"");

    /** JSON-ish text: objects whose fields have wrong types and extreme values, broken fragments, and noise. */
    private static String body(SplittableRandom random) {
        StringBuilder object = new StringBuilder("{");
        int fields = random.nextInt(7);
        for (int f = 0; f < fields; f++) {
            object.append(f > 0 ? "," : "").append('"').append(KEYS.get(random.nextInt(KEYS.size()))).append("\":")
                    .append(value(random));
        }
        String json = object.append('}').toString();
        return switch (random.nextInt(4)) {
            case 0 -> json.substring(0, json.length() / 2); // truncated
            case 1 -> randomText(random, 30);
            default -> json;
        };
    }

    private static String value(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> Integer.toString(random.nextInt());
            case 1 -> Long.toString(random.nextLong());
            case 2 -> Double.toString(random.nextDouble(-1e9, 1e9));
            case 3 -> Json.write(randomText(random, 40));
            default -> ODD_VALUES.get(random.nextInt(ODD_VALUES.size()));
        };
    }

    private static String randomText(SplittableRandom random, int maxLength) {
        StringBuilder sb = new StringBuilder();
        int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            sb.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x20, 0x2FFF) : random.nextInt(0x20, 0x7F));
        }
        return sb.toString();
    }

    private static void check(String route, String body, List<String> failures) throws Exception {
        String path = route.replace("{c}", conversation);
        HttpResponse<String> r = o.http.send(HttpRequest.newBuilder(o.base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        String shown = "POST " + route + " " + (body.length() > 60 ? body.substring(0, 60) + "..." : body) + " -> " + status;
        if (status >= 400) {
            JsonNode error;
            try {
                error = Json.parse(r.body()).path("error");
            } catch (RuntimeException e) {
                failures.add(shown + " without a JSON body: " + r.body());
                return;
            }
            if (error.path("message").asText().isBlank()) {
                failures.add(shown + " without an error message: " + r.body());
            }
            if (status >= 500 && !(status == 503 && HONEST_503.contains(error.path("code").asText()))) {
                failures.add(shown + " " + r.body());
            }
        }
    }

    private static void assertWorkersSurvived() throws Exception {
        assertThat(o.worker(WorkerKind.LLM).path("pid").asLong()).isEqualTo(llmPid);
        assertThat(o.worker(WorkerKind.SD).path("pid").asLong()).isEqualTo(sdPid);
        assertThat(o.worker(WorkerKind.LLM).path("restarts").asInt()).isZero();
        assertThat(o.worker(WorkerKind.SD).path("restarts").asInt()).isZero();
    }
}
