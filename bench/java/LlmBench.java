import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Issue 5's LLM benchmark: load time, prompt and generation tokens/s with 1 and N parallel streams, straight
 * to the LLM worker and through the orchestrator (interleaved, same loaded model), and the worker's peak RSS.
 * Prompts are random token ids (different for every request, so no prompt cache helps); end-of-generation
 * tokens are banned so every request generates exactly the asked number of tokens.
 *
 * Args: models-dir model threads prompt-tokens gen-tokens runs max-streams
 */
public final class LlmBench {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final SplittableRandom RANDOM = new SplittableRandom(42);

    record Stream(double promptSeconds, double genSeconds, double firstTokenAt, double endAt, int tokens) {}

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        String model = args[1];
        int threads = Integer.parseInt(args[2]);
        int promptTokens = Integer.parseInt(args[3]);
        int genTokens = Integer.parseInt(args[4]);
        int runs = Integer.parseInt(args[5]);
        int maxStreams = Integer.parseInt(args[6]);
        Path data = Files.createTempDirectory("llm-bench");
        // The LLM worker gets the threads asked for; the (idle) SD worker one.
        OrchestratorConfig config = OrchestratorConfig.loopback(0, models, data).withThreads(threads, 1);
        try (Orchestrator o = Orchestrator.start(config,
                WorkerLauncher.sameJvm(Map.of(WorkerKind.LLM, Main.class.getName(), WorkerKind.SD, Main.class.getName())),
                SupervisorTiming.DEFAULT, System.out)) {
            JsonNode worker = ProxyBench.awaitReady(o.port());
            String secret = o.processes().secret();
            URI proxied = URI.create("http://127.0.0.1:" + o.port());
            URI direct = URI.create("http://127.0.0.1:" + worker.path("port").asInt());
            long pid = worker.path("pid").asLong();

            ObjectNode load = Json.object().put("model", model).put("threads", threads).put("parallel", maxStreams)
                    .put("n_ctx", maxStreams * (promptTokens + genTokens + 64));
            long t0 = System.nanoTime();
            JsonNode loaded = post(direct.resolve("/v1/llm/load"), secret, load);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            if (!loaded.path("status").asText().equals("loaded")) {
                throw new IllegalStateException("load failed: " + loaded);
            }
            JsonNode info = loaded.path("model");
            System.out.printf("model %s: %s, %d parameters; %d threads; llama.cpp %s%n", model,
                    info.path("description").asText(), info.path("parameters").asLong(), threads,
                    info.path("llama_cpp").asText());
            System.out.printf("load: %.2f s (request), %d ms (llama.cpp)%n", loadSeconds, info.path("load_ms").asLong());
            int vocab = info.path("vocab_size").asInt();
            int[] banned = eogTokens(direct, secret);

            run(direct, secret, 1, 8, 8, vocab, banned); // warm up: JIT, graphs, page cache
            for (int streams : new int[] {1, maxStreams}) {
                if (streams > maxStreams) {
                    continue;
                }
                List<double[]> d = new ArrayList<>();
                List<double[]> p = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    d.add(run(direct, secret, streams, promptTokens, genTokens, vocab, banned));
                    p.add(run(proxied, secret, streams, promptTokens, genTokens, vocab, banned));
                }
                report(streams, "direct", d);
                report(streams, "via orchestrator", p);
                System.out.printf("  %d stream(s): orchestrator/direct generation = %.3f%n", streams,
                        median(p, 1) / median(d, 1));
            }
            System.out.printf("worker peak RSS: %d MB%n", peakRssKb(pid) / 1024);
        }
    }

    /** [prompt tok/s per stream, generation tok/s per stream, aggregate generation tok/s] medians over streams. */
    static double[] run(URI base, String secret, int streams, int promptTokens, int genTokens, int vocab, int[] banned)
            throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            List<Future<Stream>> futures = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                Callable<Stream> one = () -> stream(base, secret, promptTokens, genTokens, vocab, banned, start);
                futures.add(pool.submit(one));
            }
            List<Stream> done = new ArrayList<>();
            for (Future<Stream> f : futures) {
                done.add(f.get());
            }
            double firstToken = done.stream().mapToDouble(Stream::firstTokenAt).min().orElseThrow();
            double end = done.stream().mapToDouble(Stream::endAt).max().orElseThrow();
            int tokens = done.stream().mapToInt(Stream::tokens).sum();
            double promptRate = done.stream().mapToDouble(s -> promptTokens / s.promptSeconds()).average().orElseThrow();
            double genRate = done.stream().mapToDouble(s -> (s.tokens() - 1) / s.genSeconds()).average().orElseThrow();
            return new double[] {promptRate, genRate, (tokens - streams) / (end - firstToken)};
        }
    }

    static Stream stream(URI base, String secret, int promptTokens, int genTokens, int vocab, int[] banned, long start)
            throws Exception {
        ObjectNode body = Json.object().put("stream", true).put("max_tokens", genTokens).put("temperature", 0);
        body.putObject("stream_options").put("include_usage", true);
        ArrayNode prompt = body.putArray("prompt");
        for (int i = 0; i < promptTokens; i++) {
            prompt.add(RANDOM.nextInt(256)); // byte tokens: valid in any byte-level vocabulary
        }
        ObjectNode bias = body.putObject("logit_bias");
        for (int t : banned) {
            bias.put(Integer.toString(t), -100);
        }
        long sent = System.nanoTime();
        HttpResponse<java.io.InputStream> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                .header(Handshake.SECRET_HEADER, secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofInputStream());
        long first = 0;
        int tokens = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: {")) {
                    continue;
                }
                if (first == 0) {
                    first = System.nanoTime(); // the first event carries the first token
                }
                JsonNode usage = Json.parse(line.substring(6)).path("usage");
                if (usage.has("completion_tokens")) {
                    tokens = usage.path("completion_tokens").asInt();
                }
            }
        }
        long end = System.nanoTime();
        if (r.statusCode() != 200 || tokens < 2) {
            throw new IllegalStateException("request failed with status " + r.statusCode());
        }
        return new Stream((first - sent) / 1e9, (end - first) / 1e9, (first - start) / 1e9, (end - start) / 1e9, tokens);
    }

    static int[] eogTokens(URI base, String secret) throws Exception {
        List<Integer> ids = new ArrayList<>();
        for (String text : new String[] {"<|im_end|>", "<|endoftext|>"}) {
            JsonNode t = post(base.resolve("/v1/llm/tokenize"), secret,
                    Json.object().put("content", text).put("parse_special", true)).path("tokens");
            if (t.size() == 1) {
                ids.add(t.get(0).asInt());
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static void report(int streams, String path, List<double[]> runs) {
        System.out.printf("  %d stream(s), %-16s prompt %7.1f tok/s per stream | generation %6.2f tok/s per stream, "
                + "%6.2f tok/s aggregate (median of %d)%n", streams, path, median(runs, 0), median(runs, 1),
                median(runs, 2), runs.size());
    }

    static double median(List<double[]> runs, int column) {
        double[] v = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static JsonNode post(URI uri, String secret, JsonNode body) throws Exception {
        return Json.parse(HTTP.send(HttpRequest.newBuilder(uri).header(Handshake.SECRET_HEADER, secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
