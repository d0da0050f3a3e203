import com.mysticanvas.app.Main;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.Orchestrator;
import com.mysticanvas.orchestrator.OrchestratorConfig;
import com.mysticanvas.orchestrator.workers.RemoteWorkers;
import com.mysticanvas.orchestrator.workers.SupervisorTiming;
import com.mysticanvas.orchestrator.workers.WorkerLauncher;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A real MystiCanvas LLM worker started as on another machine ({@code --listen}, {@code --worker-token}) and an
 * orchestrator that takes it with {@code --remote-worker}: time to first token and generation rate of real llama.cpp
 * completions, straight to the worker and through the orchestrator, interleaved in one run.
 * Usage: RemoteWorkerBench MODELS_DIR MODEL ROUNDS GEN_TOKENS
 */
public final class RemoteWorkerBench {
    private static final String TOKEN = "bench-token";

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        String model = args[1];
        int rounds = Integer.parseInt(args[2]);
        int gen = Integer.parseInt(args[3]);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path tmp = Files.createTempDirectory("remote-worker-bench");
        List<String> cmd = WorkerLauncher.sameJvm(Main.class.getName()).command(WorkerKind.LLM, List.of("--mode", "llm-worker",
                "--listen", "127.0.0.1:" + port, "--worker-token", TOKEN, "--models-dir", models.toString(),
                "--data-dir", tmp.resolve("remote-data").toString(), "--llm-model", model, "--llm-threads", "1"));
        Process remote = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("remote.log").toFile()).start();
        URI direct = URI.create("http://127.0.0.1:" + port);
        OrchestratorConfig config = OrchestratorConfig.loopback(0, tmp.resolve("models"), tmp.resolve("data"))
                .withRemoteWorkers(RemoteWorkers.of(WorkerKind.LLM, direct, TOKEN));
        try (Orchestrator o = Orchestrator.start(config, WorkerLauncher.sameJvm(Main.class.getName()), SupervisorTiming.DEFAULT, System.out)) {
            URI routed = URI.create("http://127.0.0.1:" + o.port());
            awaitModel(direct);
            int[] banned = LlmBench.eogTokens(direct, TOKEN);
            for (int i = 0; i < 500; i++) { // the proxy's path compiled by the JIT, as in a server that has been up a while
                for (URI base : new URI[] {direct, routed}) {
                    LlmBench.HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/llm/status"))
                            .header(com.mysticanvas.core.worker.Handshake.SECRET_HEADER, TOKEN).build(), HttpResponse.BodyHandlers.discarding());
                }
            }
            for (int i = 0; i < 3; i++) { // warm both paths
                LlmBench.stream(direct, TOKEN, 16, gen, 0, banned, System.nanoTime());
                LlmBench.stream(routed, TOKEN, 16, gen, 0, banned, System.nanoTime());
            }
            double[][] d = new double[2][rounds];
            double[][] p = new double[2][rounds];
            for (int i = 0; i < rounds; i++) {
                LlmBench.Stream a = LlmBench.stream(direct, TOKEN, 16, gen, 0, banned, System.nanoTime());
                LlmBench.Stream b = LlmBench.stream(routed, TOKEN, 16, gen, 0, banned, System.nanoTime());
                d[0][i] = a.promptSeconds() * 1000;
                d[1][i] = (a.tokens() - 1) / a.genSeconds();
                p[0][i] = b.promptSeconds() * 1000;
                p[1][i] = (b.tokens() - 1) / b.genSeconds();
            }
            for (double[] x : new double[][] {d[0], d[1], p[0], p[1]}) {
                Arrays.sort(x);
            }
            int m = rounds / 2;
            System.out.printf("Remote worker (%s, %d tokens, 1 thread, %d rounds, medians): time to first token direct %.2f ms |"
                    + " through the orchestrator %.2f ms | added %.2f ms%n", model, gen, rounds, d[0][m], p[0][m], p[0][m] - d[0][m]);
            System.out.printf("Remote worker tokens/s  direct %.1f | through %.1f | ratio %.4f%n", d[1][m], p[1][m], p[1][m] / d[1][m]);
        } finally {
            remote.destroyForcibly().waitFor();
        }
    }

    /** Waits until the worker has its model loaded (its health names it). */
    private static void awaitModel(URI worker) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> h = LlmBench.HTTP.send(HttpRequest.newBuilder(worker.resolve("/health"))
                        .header(com.mysticanvas.core.worker.Handshake.SECRET_HEADER, TOKEN).build(), HttpResponse.BodyHandlers.ofString());
                if (h.statusCode() == 200 && h.body().contains("\"model\":\"")) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the remote worker never loaded its model");
    }
}
