import com.mysticanvas.app.Main;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Routing overhead of an external OpenAI-compatible backend: time to first byte and a paced token stream, straight
 * to a stand-in server and through the orchestrator (a connection to it), interleaved in one run.
 */
public final class BackendsBench {
    static final HttpClient HTTP = StreamTiming.HTTP;
    static final Pattern EVENTS = Pattern.compile("\"events\":(\\d+)");
    static final Pattern INTERVAL = Pattern.compile("\"interval_us\":(\\d+)");

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", BackendsBench::serve);
        backend.start();
        String backendUrl = "http://127.0.0.1:" + backend.getAddress().getPort();
        Path tmp = Files.createTempDirectory("backends-bench");
        OrchestratorConfig config = OrchestratorConfig.loopback(0, tmp.resolve("models"), tmp.resolve("data"));
        try (Orchestrator o = Orchestrator.start(config, WorkerLauncher.sameJvm(Main.class.getName()), SupervisorTiming.DEFAULT, System.out)) {
            URI base = URI.create("http://127.0.0.1:" + o.port());
            HTTP.send(HttpRequest.newBuilder(base.resolve("/api/connections")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"name\":\"bench\",\"url\":\"" + backendUrl + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            URI direct = URI.create(backendUrl + "/v1/chat/completions");
            URI routed = base.resolve("/v1/chat/completions");
            for (int i = 0; i < 200; i++) {
                firstByteMicros(direct, 1, 0);
                firstByteMicros(routed, 1, 0);
            }
            long[] d = new long[rounds];
            long[] p = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                d[i] = firstByteMicros(direct, 1, 0);
                p[i] = firstByteMicros(routed, 1, 0);
            }
            Arrays.sort(d);
            Arrays.sort(p);
            System.out.printf("TTFB (us, %d rounds)  direct p50 %d p90 %d | through the orchestrator p50 %d p90 %d | added p50 %.3f ms%n",
                    rounds, d[rounds / 2], d[rounds * 9 / 10], p[rounds / 2], p[rounds * 9 / 10], (p[rounds / 2] - d[rounds / 2]) / 1000.0);
            double[] dt = new double[3];
            double[] pt = new double[3];
            for (int i = 0; i < 3; i++) { // a fast token stream: 2000 tokens/s for 5 s
                dt[i] = eventsPerSecond(direct, 10_000, 500);
                pt[i] = eventsPerSecond(routed, 10_000, 500);
            }
            Arrays.sort(dt);
            Arrays.sort(pt);
            System.out.printf("Tokens/s, paced (10000 events at 2000/s, median of 3)  direct %.0f | through %.0f | ratio %.4f%n",
                    dt[1], pt[1], pt[1] / dt[1]);
        } finally {
            backend.stop(0);
        }
    }

    /** /v1/models lists "bench-model"; a chat streams {@code events} chunks, {@code interval_us} apart. */
    static void serve(HttpExchange x) throws java.io.IOException {
        try (x) {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (x.getRequestURI().getPath().equals("/v1/models")) {
                byte[] b = "{\"object\":\"list\",\"data\":[{\"id\":\"bench-model\",\"object\":\"model\"}]}".getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, b.length);
                x.getResponseBody().write(b);
                return;
            }
            int events = number(EVENTS, body, 1);
            long interval = number(INTERVAL, body, 0);
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, 0);
            OutputStream out = x.getResponseBody();
            byte[] chunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"}}]}\n\n".getBytes(StandardCharsets.UTF_8);
            long next = System.nanoTime();
            for (int i = 0; i < events; i++) {
                if (interval > 0) {
                    next += interval * 1000;
                    LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                }
                out.write(chunk);
                out.flush();
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    static int number(Pattern p, String body, int fallback) {
        Matcher m = p.matcher(body);
        return m.find() ? Integer.parseInt(m.group(1)) : fallback;
    }

    static HttpRequest request(URI uri, int events, long intervalMicros) {
        return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"bench-model\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"events\":" + events + ",\"interval_us\":" + intervalMicros + "}")).build();
    }

    static long firstByteMicros(URI uri, int events, long interval) throws Exception {
        return StreamTiming.firstByteMicros(request(uri, events, interval));
    }

    static double eventsPerSecond(URI uri, int events, long interval) throws Exception {
        return StreamTiming.eventsPerSecond(request(uri, events, interval), events);
    }
}
