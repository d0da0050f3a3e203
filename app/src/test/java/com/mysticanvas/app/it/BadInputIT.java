package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.WorkerKind;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on every route that takes a body, through the orchestrator to the real workers: every answer
 * is a JSON error with a 4xx (or a 503 when a worker has no model), never a 5xx, and no process dies.
 * Then jqwik throws generated bodies at the same routes.
 */
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

    @BeforeContainer
    static void start() throws Exception {
        dir = java.nio.file.Files.createTempDirectory("bad-input");
        TinyModels.write(dir.resolve("models"));
        o = TestOrchestrator.builder(dir).sdModel("tiny-sd.safetensors").start();
        llmPid = o.awaitReady(WorkerKind.LLM).path("pid").asLong();
        sdPid = o.awaitWorker(WorkerKind.SD, w -> "tiny-sd.safetensors".equals(w.path("model").asText()),
                java.time.Duration.ofSeconds(60)).path("pid").asLong();
        conversation = Json.parse(o.post("/api/conversations", "{\"title\":\"fuzz\"}").body()).path("id").asText();
    }

    @AfterContainer
    static void stop() {
        if (o != null) {
            o.close();
        }
    }

    @Property(tries = 1)
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

    @Property(tries = 300)
    void generatedBodiesNeverCauseAServerFault(@ForAll("routes") String route, @ForAll("bodies") String body) throws Exception {
        List<String> failures = new ArrayList<>();
        check(route, body, failures);
        assertThat(failures).isEmpty();
    }

    @Property(tries = 1)
    void theWorkersAreStillTheSameProcessesAfterTheFuzzing() throws Exception {
        assertWorkersSurvived();
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of(POST_ROUTES);
    }

    /** JSON-ish text: valid objects with fields of wrong types and extreme values, and broken fragments. */
    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> keys = Arbitraries.of("prompt", "messages", "model", "width", "height", "steps", "n", "seed",
                "size", "max_tokens", "temperature", "stream", "image", "mask", "init_images", "checkpoint", "content",
                "role", "response_format", "tools", "stop", "logit_bias", "loras", "sampler", "title", "settings");
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(d -> Double.isFinite(d) ? String.valueOf(d) : "1e999"),
                Arbitraries.strings().ofMaxLength(40).map(Json::write),
                Arbitraries.of("null", "true", "[]", "{}", "[1,\"a\",null]", "{\"type\":\"json_schema\"}",
                        "[{\"role\":\"user\",\"content\":[]}]", "\"../../x\"", "\"64x64\"", "-1", "0"));
        Arbitrary<String> objects = Arbitraries.maps(keys, values).ofMaxSize(6).map(m -> {
            StringBuilder sb = new StringBuilder("{");
            m.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
            return sb.append('}').toString();
        });
        return Arbitraries.oneOf(objects, objects.map(s -> s.substring(0, s.length() / 2)), Arbitraries.strings().ofMaxLength(30));
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
