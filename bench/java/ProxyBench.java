import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Streaming proxy overhead: time to first byte and throughput of an SSE stream, straight to the
 * worker and through the orchestrator, interleaved in one run so both see the same machine state.
 */
public final class ProxyBench {
    static final HttpClient HTTP = StreamTiming.HTTP;

    public static void main(String[] args) throws Exception {
        int ttfbRounds = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int streamEvents = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
        Path tmp = Files.createTempDirectory("proxy-bench");
        OrchestratorConfig config = OrchestratorConfig.loopback(0, tmp.resolve("models"), tmp.resolve("data"));
        try (Orchestrator o = Orchestrator.start(config,
                WorkerLauncher.sameJvm(Map.of(WorkerKind.LLM, SseSourceWorker.class.getName(), WorkerKind.SD, Main.class.getName())),
                SupervisorTiming.DEFAULT, System.out)) {
            URI proxied = URI.create("http://127.0.0.1:" + o.port() + "/v1/chat/completions");
            JsonNode llm = awaitReady(o.port());
            URI direct = URI.create("http://127.0.0.1:" + llm.path("port").asInt() + "/v1/chat/completions");
            String secret = o.processes().secret();

            for (int i = 0; i < 200; i++) { // warm up both paths and the JIT
                firstByteMicros(direct, secret, 1);
                firstByteMicros(proxied, secret, 1);
            }
            long[] d = new long[ttfbRounds];
            long[] p = new long[ttfbRounds];
            for (int i = 0; i < ttfbRounds; i++) {
                d[i] = firstByteMicros(direct, secret, 1);
                p[i] = firstByteMicros(proxied, secret, 1);
            }
            Arrays.sort(d);
            Arrays.sort(p);
            System.out.printf("TTFB (us, %d rounds)   direct p50 %d p90 %d | proxied p50 %d p90 %d | added p50 %.3f ms%n",
                    ttfbRounds, d[ttfbRounds / 2], d[ttfbRounds * 9 / 10], p[ttfbRounds / 2], p[ttfbRounds * 9 / 10],
                    (p[ttfbRounds / 2] - d[ttfbRounds / 2]) / 1000.0);

            double[] dr = new double[5];
            double[] pr = new double[5];
            for (int i = 0; i < 5; i++) {
                dr[i] = eventsPerSecond(direct, secret, streamEvents);
                pr[i] = eventsPerSecond(proxied, secret, streamEvents);
            }
            Arrays.sort(dr);
            Arrays.sort(pr);
            System.out.printf("Throughput, saturated (%d events of 100 B as fast as the source can, median of 5)  direct %.0f ev/s"
                    + " | proxied %.0f ev/s | ratio %.3f%n", streamEvents, dr[2], pr[2], pr[2] / dr[2]);
            // A fast token stream: 2000 events/s for 5 s (a 1B model on a GPU streams about 200-500 tokens/s).
            double[] dp = new double[3];
            double[] pp = new double[3];
            for (int i = 0; i < 3; i++) {
                dp[i] = eventsPerSecond(direct, secret, 10_000, 500);
                pp[i] = eventsPerSecond(proxied, secret, 10_000, 500);
            }
            Arrays.sort(dp);
            Arrays.sort(pp);
            System.out.printf("Throughput, paced (10000 events at 2000 ev/s, median of 3)  direct %.0f ev/s | proxied %.0f ev/s"
                    + " | ratio %.4f%n", dp[1], pp[1], pp[1] / dp[1]);
        }
    }

    static JsonNode awaitReady(int port) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode w = Json.parse(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/workers")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("workers").path("llm");
            if (w.path("state").asText().equals("ready")) {
                return w;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("worker not ready");
    }

    static HttpRequest request(URI uri, String secret, int events) {
        return request(uri, secret, events, 0);
    }

    static HttpRequest request(URI uri, String secret, int events, long intervalMicros) {
        return HttpRequest.newBuilder(uri).header(Handshake.SECRET_HEADER, secret)
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true,\"events\":" + events + ",\"size\":100,"
                        + "\"interval_us\":" + intervalMicros + "}")).build();
    }

    static long firstByteMicros(URI uri, String secret, int events) throws Exception {
        return StreamTiming.firstByteMicros(request(uri, secret, events));
    }

    static double eventsPerSecond(URI uri, String secret, int events) throws Exception {
        return eventsPerSecond(uri, secret, events, 0);
    }

    static double eventsPerSecond(URI uri, String secret, int events, long intervalMicros) throws Exception {
        return StreamTiming.eventsPerSecond(request(uri, secret, events, intervalMicros), events);
    }
}
