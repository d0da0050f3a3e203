import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.app.Main;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.worker.Handshake;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Issue 15's "three conversations, follow-up turn": three chats with long first prompts, then follow-ups that
 * alternate between them. For each follow-up, the prompt tokens the server evaluated (the rest came from its
 * cache) and the time to the first streamed token; MystiCanvas's LLM worker and, when a URL is given, llama-server
 * of the same release, one after the other on the same model, threads, slots and context.
 * Args: models-dir model threads first-prompt-words rounds [llama-server-url]
 */
public class ConversationsBench {
    static final String[] WORDS = ("the of and to in is was for on that with as by at from his her an were which this "
            + "be or had not are but have they one all their there been has when who will more no if out so said what "
            + "up its about into than them can only other new some could time these two may then do first any my now "
            + "such like our over man me even most made after also did many before must through back years where much "
            + "your way well down should because each just those people how too little state good very make world still "
            + "own see men work long get here between both life being under never day same another know while last").split(" ");

    /** One follow-up's figures. */
    record Turn(int promptTokens, int evaluated, double firstTokenSeconds) {}

    interface Server {
        /** Streams a chat request; returns the reply text and the turn's figures. */
        Map.Entry<String, Turn> chat(ObjectNode body) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        String model = args[1];
        int threads = Integer.parseInt(args[2]);
        int words = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        String llamaServer = args.length > 5 ? args[5] : null;
        int parallel = 4, nCtx = 16384;
        Path data = Files.createTempDirectory("conversations-bench");
        OrchestratorConfig config = OrchestratorConfig.loopback(0, models, data).withThreads(threads, 1);
        try (Orchestrator o = Orchestrator.start(config,
                WorkerLauncher.sameJvm(Map.of(WorkerKind.LLM, Main.class.getName(), WorkerKind.SD, Main.class.getName())),
                SupervisorTiming.DEFAULT, System.out)) {
            JsonNode worker = ProxyBench.awaitReady(o.port());
            String secret = o.processes().secret();
            URI direct = URI.create("http://127.0.0.1:" + worker.path("port").asInt());
            JsonNode loaded = LlmBench.post(direct.resolve("/v1/llm/load"), secret, Json.object().put("model", model)
                    .put("threads", threads).put("parallel", parallel).put("n_ctx", nCtx));
            if (!loaded.path("status").asText().equals("loaded")) {
                throw new IllegalStateException("load failed: " + loaded);
            }
            System.out.printf("%s; %d threads, %d slots sharing %d tokens; first prompts %d words, %d rounds of 3 follow-ups%n",
                    model, threads, parallel, nCtx, words, rounds);
            report("MystiCanvas LLM worker", run(body -> stream(direct.resolve("/v1/chat/completions"), secret, body),
                    words, rounds));
            // Unloaded, so that llama-server runs alone (both on an otherwise idle machine).
            LlmBench.post(direct.resolve("/v1/llm/unload"), secret, Json.object());
        }
        if (llamaServer != null) {
            URI url = URI.create(llamaServer);
            report("llama-server (same release)", run(body -> stream(url.resolve("/v1/chat/completions"), null, body),
                    words, rounds));
        }
    }

    /** Three conversations; their first turns, then {@code rounds} follow-ups each, alternating A, B, C, A ... */
    static List<Turn> run(Server server, int words, int rounds) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<ArrayNode> conversations = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            ArrayNode messages = Json.MAPPER.createArrayNode();
            messages.addObject().put("role", "system").put("content", "You are assistant number " + c + ".");
            messages.addObject().put("role", "user").put("content", text(random, words));
            conversations.add(messages);
            answer(server, messages);
        }
        List<Turn> followUps = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (ArrayNode messages : conversations) {
                messages.addObject().put("role", "user").put("content", text(random, 24));
                followUps.add(answer(server, messages));
            }
        }
        return followUps;
    }

    static Turn answer(Server server, ArrayNode messages) throws Exception {
        ObjectNode body = Json.object().put("max_tokens", 16).put("temperature", 0).put("stream", true)
                .put("cache_prompt", true);
        body.set("messages", messages.deepCopy());
        body.putObject("stream_options").put("include_usage", true);
        Map.Entry<String, Turn> reply = server.chat(body);
        messages.addObject().put("role", "assistant").put("content", reply.getKey());
        return reply.getValue();
    }

    static String text(SplittableRandom random, int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return b.append('.').toString();
    }

    /** Streams one request; usage's cached tokens (ours) or timings' prompt_n (llama-server) give what was evaluated. */
    static Map.Entry<String, Turn> stream(URI uri, String secret, ObjectNode body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (secret != null) {
            request.header(Handshake.SECRET_HEADER, secret);
        }
        long start = System.nanoTime();
        HttpResponse<java.io.InputStream> r = LlmBench.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        StringBuilder text = new StringBuilder();
        double first = -1;
        int prompt = -1, evaluated = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode chunk = Json.parse(line.substring(6));
                JsonNode content = chunk.path("choices").path(0).path("delta").path("content");
                if (content.isTextual() && !content.asText().isEmpty()) {
                    if (first < 0) {
                        first = (System.nanoTime() - start) / 1e9;
                    }
                    text.append(content.asText());
                }
                JsonNode usage = chunk.path("usage");
                if (usage.has("prompt_tokens")) {
                    prompt = usage.path("prompt_tokens").asInt();
                    evaluated = prompt - usage.path("prompt_tokens_details").path("cached_tokens").asInt(0);
                }
                if (chunk.path("timings").has("prompt_n")) {
                    evaluated = chunk.path("timings").path("prompt_n").asInt(); // llama-server's own count
                }
            }
        }
        if (r.statusCode() != 200 || prompt < 0) {
            throw new IllegalStateException("HTTP " + r.statusCode() + " from " + uri + " (no usage)");
        }
        return Map.entry(text.toString(), new Turn(prompt, evaluated, first < 0 ? (System.nanoTime() - start) / 1e9 : first));
    }

    static void report(String label, List<Turn> turns) {
        double prompt = turns.stream().mapToInt(Turn::promptTokens).average().orElse(0);
        double evaluated = turns.stream().mapToInt(Turn::evaluated).average().orElse(0);
        double ttft = turns.stream().mapToDouble(Turn::firstTokenSeconds).average().orElse(0);
        double worst = turns.stream().mapToDouble(Turn::firstTokenSeconds).max().orElse(0);
        System.out.printf("== %s: %d follow-ups; prompt %.0f tokens of which %.1f evaluated (%.1f%%); time to first "
                + "token %.3f s mean, %.3f s worst%n", label, turns.size(), prompt, evaluated, 100 * evaluated / prompt,
                ttft, worst);
        for (Turn t : turns) {
            System.out.printf("   prompt %5d  evaluated %4d  first token %.3f s%n", t.promptTokens(), t.evaluated(),
                    t.firstTokenSeconds());
        }
    }
}
