package com.mysticanvas.llm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpServers;
import com.mysticanvas.llm.api.LlmRoutes;
import com.mysticanvas.llm.synth.LlmSynthModels;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine whose thread died: what was in flight, waiting or about to be asked fails at once with
 * {@code engine_failed}, and the worker's {@code /health} answers 503 so that the supervisor restarts it.
 */
@Timeout(120) // a call that would wait forever for the dead thread fails the test instead of hanging the build
class EngineFailureTest {
    @TempDir
    static Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aThrowableOnTheEngineThreadFailsEverythingAtOnceAndHealthAnswers503() throws Exception {
        Path tiny = LlmSynthModels.writeTiny(dir);
        LlamaEngine engine = new LlamaEngine(1, 4, 0);
        Javalin server = HttpServers.create("127.0.0.1", 0, HttpServers.DEFAULT_MAX_BODY_BYTES,
                c -> new LlmRoutes(engine, new com.mysticanvas.core.models.ModelFolders(dir)).register(c.routes)).start();
        try {
            engine.load(tiny, "tiny-llama.gguf", new LoadOptions(2048, 1, 0, 1));
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);

            // One request generating in the only slot, held there, and one waiting behind it.
            Generation running = engine.submit(LlamaEngineTest.text("Once upon"), LlamaEngineTest.greedy(100_000, List.of()));
            assertThat(running.next(30, TimeUnit.SECONDS)).isInstanceOf(GenerationEvent.Text.class);
            engine.holdSteps(true);
            Generation waiting = engine.submit(LlamaEngineTest.text("Twice"), LlamaEngineTest.greedy(4, List.of()));
            assertThat(engine.status().busySlots()).isEqualTo(1);
            assertThat(engine.status().queued()).isEqualTo(1);

            // A step that throws, and a call that arrives while it runs: its task waits in the inbox behind it.
            CountDownLatch inStep = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            engine.runAsStep(() -> {
                inStep.countDown();
                awaitQuietly(release);
                throw new IllegalStateException("a decode step blew up");
            });
            assertThat(inStep.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Throwable> caller = new CompletableFuture<>();
            Thread callerThread = Thread.ofPlatform().start(() -> {
                try {
                    engine.withModel(LoadedModel::info);
                    caller.complete(null);
                } catch (Throwable t) {
                    caller.complete(t);
                }
            });
            awaitParked(callerThread);
            release.countDown();

            assertEngineFailed(caller.get(30, TimeUnit.SECONDS));
            assertEngineFailed(failureOf(running));
            assertEngineFailed(failureOf(waiting));

            EngineStatus status = engine.status();
            assertThat(status.failure()).contains("engine failed").contains("a decode step blew up");
            assertThat(status.model()).isNull();
            assertThatThrownBy(status::requireRunning).satisfies(EngineFailureTest::assertEngineFailed);

            // Later calls fail at once instead of waiting for a thread that is gone.
            assertThatThrownBy(() -> engine.withModel(LoadedModel::info)).satisfies(EngineFailureTest::assertEngineFailed);
            assertThatThrownBy(() -> engine.submit(LlamaEngineTest.text("x"), LlamaEngineTest.greedy(1, List.of())))
                    .satisfies(EngineFailureTest::assertEngineFailed);
            assertThatThrownBy(() -> engine.load(tiny, "tiny-llama.gguf", new LoadOptions(512, 1, 0, 1)))
                    .satisfies(EngineFailureTest::assertEngineFailed);
            assertThatThrownBy(engine::unload).satisfies(EngineFailureTest::assertEngineFailed);

            // The worker's routes: /health fails (the supervisor restarts the worker), requests get the same 503.
            HttpResponse<String> health = get(server, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.headers().firstValue("content-type").orElse("")).startsWith("application/json");
            JsonNode error = Json.parse(health.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("engine_failed");
            assertThat(error.path("message").asText()).contains("a decode step blew up");
            HttpResponse<String> chat = post(server, "/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(chat.statusCode()).isEqualTo(503);
            assertThat(Json.parse(chat.body()).path("error").path("code").asText()).isEqualTo("engine_failed");
            JsonNode llmStatus = Json.parse(get(server, "/v1/llm/status").body());
            assertThat(llmStatus.path("failure").asText()).contains("a decode step blew up");
        } finally {
            server.stop();
            engine.close();
        }
    }

    private static void assertEngineFailed(Throwable t) {
        assertThat(t).isInstanceOf(Problem.class).hasMessageContaining("a decode step blew up");
        assertThat(((Problem) t).kind()).isEqualTo(Problem.Kind.UNAVAILABLE);
        assertThat(((Problem) t).code()).isEqualTo("engine_failed");
    }

    /** The problem a generation ended with (its text events skipped); fails if it ends otherwise or not in 30 s. */
    private static Problem failureOf(Generation g) throws InterruptedException {
        while (true) {
            GenerationEvent e = g.next(30, TimeUnit.SECONDS);
            switch (e) {
                case null -> throw new AssertionError("the generation did not end within 30 s");
                case GenerationEvent.Text t -> { }
                case GenerationEvent.Logprob l -> { }
                case GenerationEvent.Done d -> throw new AssertionError("the generation finished: " + d);
                case GenerationEvent.Failed f -> {
                    return f.error();
                }
            }
        }
    }

    /** Waits until {@code t} parks, i.e. it queued its task and waits for the answer. */
    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TERMINATED) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the caller did not start waiting: " + t.getState());
            }
            Thread.sleep(1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<String> get(Javalin server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(Javalin server, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
