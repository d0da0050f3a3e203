package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With an API key every API route needs it; the workers need the orchestrator's per-run secret. */
class AuthIT {
    private static final String KEY = "s3cret-key";
    private static final List<String[]> ROUTES = List.of(
            new String[] {"GET", "/api/workers"}, new String[] {"GET", "/api/events"}, new String[] {"GET", "/api/memory"},
            new String[] {"GET", "/api/conversations"}, new String[] {"POST", "/api/conversations"},
            new String[] {"GET", "/api/gallery"}, new String[] {"GET", "/api/settings"}, new String[] {"POST", "/api/images"},
            new String[] {"POST", "/api/workers/none/restart"}, new String[] {"GET", "/v1/models"},
            new String[] {"POST", "/v1/chat/completions"}, new String[] {"POST", "/v1/completions"},
            new String[] {"GET", "/v1/llm/models"}, new String[] {"GET", "/v1/models/checkpoints"},
            new String[] {"POST", "/v1/images/generations"}, new String[] {"GET", "/sdapi/v1/sd-models"},
            new String[] {"POST", "/sdapi/v1/txt2img"});

    @TempDir
    static Path dir;
    static TestOrchestrator o;

    @BeforeAll
    static void start() throws Exception {
        o = TestOrchestrator.builder(dir).apiKey(KEY).start();
        o.awaitReady(WorkerKind.LLM);
        o.awaitReady(WorkerKind.SD);
    }

    @AfterAll
    static void stop() {
        o.close();
    }

    @Test
    void everyApiRouteRefusesAMissingOrWrongKeyAndTakesTheRightOne() throws Exception {
        for (String[] route : ROUTES) {
            for (String header : new String[] {null, "Bearer wrong", "Bearer " + KEY + "x", "Basic " + KEY, KEY}) {
                HttpResponse<String> r = send(route, header);
                assertThat(r.statusCode()).as(route[1] + " with " + header).isEqualTo(401);
                assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
            }
            if (route[1].equals("/api/events")) {
                continue; // an open stream; its 200 is checked below without reading it
            }
            assertThat(send(route, "Bearer " + KEY).statusCode()).as(route[1] + " with the key").isNotEqualTo(401);
        }
        HttpResponse<java.io.InputStream> events = o.http.send(request(new String[] {"GET", "/api/events"}, "bearer " + KEY),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        events.body().close();
    }

    @Test
    void theUiFilesAndHealthNeedNoKey() throws Exception {
        assertThat(o.get("/").statusCode()).isEqualTo(200);
        assertThat(o.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void workersRefuseRequestsWithoutTheOrchestratorsSecret() throws Exception {
        for (WorkerKind kind : WorkerKind.values()) {
            int port = o.awaitReady(kind).path("port").asInt();
            for (String secret : new String[] {null, "guess", ""}) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"));
                if (secret != null) {
                    b.header(Handshake.SECRET_HEADER, secret);
                }
                HttpResponse<String> r = o.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(kind + " with secret " + secret).isEqualTo(401);
            }
            HttpResponse<String> r = o.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .header(Handshake.SECRET_HEADER, o.orchestrator.processes().secret()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> send(String[] route, String authorization) throws Exception {
        return o.http.send(request(route, authorization), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String[] route, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(o.base.resolve(route[1]))
                .method(route[0], route[0].equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }
}
