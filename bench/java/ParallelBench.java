import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Issue 7's benchmark: chat generation tokens/s through the orchestrator alone and while an SD 1.5-shape
 * 512x512 image job runs, with the cores split between the workers; and how long an image request takes to its
 * first progress event. Usage: ParallelBench MODELS LLM_MODEL SD_MODEL LLM_THREADS SD_THREADS GEN_TOKENS STEPS
 */
public final class ParallelBench {
    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        String llm = args[1];
        String sd = args[2];
        int llmThreads = Integer.parseInt(args[3]);
        int sdThreads = Integer.parseInt(args[4]);
        int genTokens = Integer.parseInt(args[5]);
        int steps = Integer.parseInt(args[6]);
        Path data = Files.createTempDirectory("parallel-bench");
        OrchestratorConfig config = OrchestratorConfig.loopback(0, models, data).withModels(llm, sd)
                .withThreads(llmThreads, sdThreads);
        try (Orchestrator o = Orchestrator.start(config, WorkerLauncher.sameJvm(Main.class.getName()),
                SupervisorTiming.DEFAULT, System.out)) {
            URI base = URI.create("http://127.0.0.1:" + o.port());
            awaitModels(base, llm, sd);
            int[] banned = LlmBench.eogTokens(base, o.processes().secret());

            chatRate(base, genTokens, banned); // warm-up
            List<Double> alone = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                alone.add(chatRate(base, genTokens, banned));
            }

            long sent = System.nanoTime();
            double[] firstEvents = new double[3]; // queued, running, first step (seconds after the request)
            CompletableFuture<Void> image = CompletableFuture.runAsync(() -> imageJob(base, steps, sent, firstEvents));
            while (firstEvents[1] == 0 && !image.isDone()) {
                Thread.sleep(20);
            }
            List<Double> during = new ArrayList<>();
            while (!image.isDone()) {
                double rate = chatRate(base, genTokens, banned);
                if (!image.isDone()) {
                    during.add(rate);
                }
            }
            image.join();
            System.out.printf("chat generation, %d tokens, through the orchestrator (llm %d thread(s), sd %d thread(s)):%n",
                    genTokens, llmThreads, sdThreads);
            System.out.printf("  alone: %.2f tok/s (median of %d); while a 512x512 %d-step image job runs: %.2f tok/s "
                    + "(median of %d) -> ratio %.2f%n", median(alone), alone.size(), steps, median(during), during.size(),
                    median(during) / median(alone));
            System.out.printf("image request to: queued event %.3f s, running event %.3f s, first finished step %.2f s%n",
                    firstEvents[0], firstEvents[1], firstEvents[2]);
        }
    }

    /** One streamed chat reply of {@code tokens} tokens; generation tokens/s from the first to the last token. */
    static double chatRate(URI base, int tokens, int[] banned) throws Exception {
        ObjectNode body = Json.object().put("stream", true).put("max_tokens", tokens).put("temperature", 0);
        body.putArray("messages").addObject().put("role", "user").put("content", "Write a long story about the sea.");
        ObjectNode bias = body.putObject("logit_bias");
        for (int t : banned) {
            bias.put(Integer.toString(t), -100);
        }
        HttpResponse<InputStream> r = LlmBench.HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofInputStream());
        long first = 0;
        long last = 0;
        int chunks = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: {") && line.contains("\"content\":\"")) {
                    last = System.nanoTime();
                    first = first == 0 ? last : first;
                    chunks++;
                }
            }
        }
        return (chunks - 1) / ((last - first) / 1e9);
    }

    static void imageJob(URI base, int steps, long sent, double[] firstEvents) {
        try {
            String body = "{\"prompt\":\"a lighthouse at dusk\",\"size\":\"512x512\",\"steps\":" + steps + ",\"stream\":true}";
            HttpResponse<InputStream> r = LlmBench.HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/images/generations"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String event = "";
                String line;
                while ((line = in.readLine()) != null) {
                    double at = (System.nanoTime() - sent) / 1e9;
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        JsonNode data = Json.parse(line.substring(6));
                        if (event.equals("queued") && firstEvents[0] == 0) {
                            firstEvents[0] = at;
                        } else if (event.equals("progress") && firstEvents[1] == 0) {
                            firstEvents[1] = at;
                        }
                        if (event.equals("progress") && data.path("step").asInt() >= 1 && firstEvents[2] == 0) {
                            firstEvents[2] = at;
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void awaitModels(URI base, String llm, String sd) throws Exception {
        for (int i = 0; i < 3000; i++) {
            JsonNode w = Json.parse(LlmBench.HTTP.send(HttpRequest.newBuilder(base.resolve("/api/workers")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("workers");
            if (llm.equals(w.path(WorkerKind.LLM.id()).path("model").asText()) && sd.equals(w.path(WorkerKind.SD.id()).path("model").asText())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("models did not load in 5 minutes");
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = v.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
