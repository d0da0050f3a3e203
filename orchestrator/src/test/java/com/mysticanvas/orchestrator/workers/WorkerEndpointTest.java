package com.mysticanvas.orchestrator.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Problem.Kind;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.worker.LoopbackHttp;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.http.InFlight;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipe's error mapping and stream slots, against a small in-process server standing in for a worker. */
class WorkerEndpointTest {
    private HttpServer server;
    private final AtomicReference<String> secretSeen = new AtomicReference<>();
    private final InFlight inFlight = new InFlight(1);

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok", x -> answer(x, 200, "application/json", "{\"model\":\"m\"}"));
        server.createContext("/busy", x -> answer(x, 429, "application/json",
                "{\"error\":{\"message\":\"8 image jobs wait\",\"type\":\"rate_limit_error\",\"code\":\"queue_full\"}}"));
        server.createContext("/nomodel", x -> answer(x, 503, "application/json",
                "{\"error\":{\"message\":\"no model loaded: load one\",\"type\":\"unavailable_error\",\"code\":\"no_model_loaded\"}}"));
        server.createContext("/html", x -> answer(x, 500, "text/html", "<h1>oops</h1>"));
        server.createContext("/stream", x -> answer(x, 200, "text/event-stream", "data: {\"a\":1}\n\n"));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange x, int status, String type, String body) throws IOException {
        secretSeen.set(x.getRequestHeaders().getFirst("X-Test-Secret"));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    private WorkerEndpoint endpoint(URI base) {
        WorkerAddress address = new WorkerAddress() {
            @Override
            public URI base() {
                if (base == null) {
                    throw Problem.unavailable("worker_unavailable", "the sd-worker is restarting");
                }
                return base;
            }

            @Override
            public Map<String, String> credentials() {
                return Map.of("X-Test-Secret", "s3cret");
            }
        };
        return new WorkerEndpoint(WorkerKind.SD, address, LoopbackHttp.client(), inFlight);
    }

    private WorkerEndpoint running() {
        return endpoint(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    private static Kind kindOf(Runnable call) {
        try {
            call.run();
        } catch (Problem p) {
            return p.kind();
        }
        throw new AssertionError("no problem");
    }

    @Test
    void answersAreJsonWithCredentialsAndErrorsAreTheWorkersOwnProblems() {
        WorkerEndpoint sd = running();
        assertThat(sd.get("/ok", Duration.ofSeconds(5)).path("model").asText()).isEqualTo("m");
        assertThat(secretSeen.get()).isEqualTo("s3cret");
        assertThatThrownBy(() -> sd.post("/busy", Json.object()))
                .isInstanceOfSatisfying(Problem.class, p -> {
                    assertThat(p.kind()).isEqualTo(Kind.BUSY);
                    assertThat(p.code()).isEqualTo("queue_full");
                })
                .hasMessage("8 image jobs wait");
        assertThat(kindOf(() -> sd.get("/nomodel", Duration.ofSeconds(5)))).isEqualTo(Kind.NO_MODEL);
        assertThatThrownBy(() -> sd.get("/html", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.kind()).isEqualTo(Kind.UPSTREAM_FAILED))
                .hasMessageContaining("sd-worker answered HTTP 500");
    }

    @Test
    void aWorkerThatIsNotReadyOrNotThereIsUnavailableOrFailed() {
        assertThatThrownBy(() -> endpoint(null).get("/ok", Duration.ofSeconds(5))).hasMessageContaining("restarting")
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.kind()).isEqualTo(Kind.UNAVAILABLE));
        int port = server.getAddress().getPort();
        server.stop(0);
        assertThatThrownBy(() -> endpoint(URI.create("http://127.0.0.1:" + port)).get("/ok", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(Problem.class, p -> {
                    assertThat(p.kind()).isEqualTo(Kind.UPSTREAM_FAILED);
                    assertThat(p.code()).isEqualTo("worker_failed");
                })
                .hasMessageStartingWith("sd-worker failed before answering");
    }

    @Test
    void aStreamHoldsItsSlotUntilClosedAndARefusedOneGivesItBack() throws Exception {
        WorkerEndpoint sd = running();
        assertThat(kindOf(() -> sd.openStream("/busy", Json.object()))).isEqualTo(Kind.BUSY);
        try (SseReader stream = sd.openStream("/stream", Json.object())) { // the one slot, free again
            assertThat(stream.next().data()).isEqualTo("{\"a\":1}");
            assertThatThrownBy(() -> sd.openStream("/stream", Json.object()))
                    .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.kind()).isEqualTo(Kind.BUSY))
                    .hasMessageContaining("--max-streams");
        }
        try (SseReader again = sd.openStream("/stream", Json.object())) {
            assertThat(again.next()).isNotNull();
        }
    }
}
