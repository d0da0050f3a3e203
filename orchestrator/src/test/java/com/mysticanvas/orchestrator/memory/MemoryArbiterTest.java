package com.mysticanvas.orchestrator.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.ImageSize;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.SseReader;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.system.SystemMemory;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.orchestrator.workers.LlmWorkerApi;
import com.mysticanvas.orchestrator.workers.WorkerStatus;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory gate's decisions, on a machine whose memory and workers the test sets: no processes. */
class MemoryArbiterTest {
    private static final long GB = 1L << 30;

    @TempDir
    Path models;

    /** The language model backend as the gate sees it: what it was asked to do. */
    private final List<String> llmCalls = new CopyOnWriteArrayList<>();
    private final BlockingQueue<JsonNode> published = new LinkedBlockingQueue<>();
    private final LlmWorkerApi llm = new LlmWorkerApi() {
        @Override
        public JsonNode models() {
            return Json.MAPPER.createArrayNode();
        }

        @Override
        public SseReader chat(ObjectNode request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String loadedModel() {
            return llmLoaded;
        }

        @Override
        public void load(String model) {
            llmCalls.add("load " + model);
        }

        @Override
        public JsonNode estimate(ObjectNode loadBody) {
            if (kvBytesPerToken == 0) {
                throw Problem.unavailable("no_worker", "no LLM worker in this test");
            }
            int nCtx = loadBody.path("n_ctx").asInt(16384);
            return Json.object().put("weights_bytes", 4 * GB).put("n_ctx", nCtx).put("kv_bytes", nCtx * kvBytesPerToken);
        }

        @Override
        public void unload() {
            llmCalls.add("unload");
        }
    };
    private volatile long ramAvailable;
    private volatile String llmLoaded;
    /** What the fake worker's estimate gives a token of context (0: it cannot say). */
    private volatile long kvBytesPerToken;

    @BeforeEach
    void files() throws Exception {
        sparse(models.resolve("llm/chat.gguf"), 4 * GB); // 4.8 GB to load
        sparse(models.resolve("sd/checkpoints/big.safetensors"), 6 * GB); // 10.2 GB to load
    }

    private static void sparse(Path file, long size) throws Exception {
        Files.createDirectories(file.getParent());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    private MemoryArbiter arbiter(MemoryPolicy policy) {
        return new MemoryArbiter(policy, 0, 2048, new ModelFolders(models), () -> Map.of(
                WorkerKind.LLM.id(), status(WorkerKind.LLM, llmLoaded), WorkerKind.SD.id(), status(WorkerKind.SD, null)),
                () -> new SystemMemory.Snapshot(32 * GB, ramAvailable, null, null), llm,
                (event, data) -> published.add(Json.MAPPER.valueToTree(data)));
    }

    private static WorkerStatus status(WorkerKind kind, String model) {
        return new WorkerStatus(kind, WorkerStatus.State.READY, 1L, 1, 0, 1L, 100L << 20, model, null, null, null, List.of(), List.of());
    }

    @Test
    void autoUnloadsTheLanguageModelOnlyWhenAnImageWouldNotFitAndLoadsItBackAfter() throws Exception {
        llmLoaded = "chat.gguf";
        ramAvailable = 8 * GB;
        MemoryArbiter gate = arbiter(MemoryPolicy.AUTO);
        gate.beforeImageJob(new ImageSize(512, 512)).close();
        assertThat(llmCalls).isEmpty();
        ramAvailable = GB; // 0.5 GB usable after the reserve
        MemoryArbiter.Permit permit = gate.beforeImageJob(new ImageSize(1024, 640)); // 3.75 GiB: fits only without the LLM
        assertThat(llmCalls).containsExactly("unload");
        assertThat(published.take().path("kind").asText()).isEqualTo("llm-unloaded");
        assertThat(gate.describe().path("llmUnloadedForImages").asText()).isEqualTo("chat.gguf");
        permit.close();
        JsonNode reloaded = published.poll(10, TimeUnit.SECONDS);
        assertThat(reloaded).isNotNull();
        assertThat(reloaded.path("kind").asText()).isEqualTo("llm-reloaded");
        assertThat(llmCalls).containsExactly("unload", "load chat.gguf");
    }

    @Test
    void keepBothRefusesWhatDoesNotFitAsInsufficientMemoryBeforeItStarts() {
        llmLoaded = "chat.gguf";
        ramAvailable = GB;
        MemoryArbiter gate = arbiter(MemoryPolicy.KEEP_BOTH);
        assertThatThrownBy(() -> gate.beforeImageJob(new ImageSize(1024, 640)))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.INSUFFICIENT_MEMORY))
                .hasMessageContaining("1024x640").hasMessageContaining("keep-both");
        assertThatThrownBy(() -> gate.beforeModelLoad(WorkerKind.SD, "big.safetensors"))
                .hasMessageContaining("the model big.safetensors");
        assertThat(llmCalls).isEmpty();
        assertThat(gate.describe().path("imageJobs").asInt()).isZero();
    }

    @Test
    void aLanguageModelsLoadCountsTheKvCacheOfTheContextItAsksFor() {
        ramAvailable = 10 * GB;
        kvBytesPerToken = 128 * 1024; // 128 KiB a token (an 8B model's f16 cache)
        MemoryArbiter gate = arbiter(MemoryPolicy.KEEP_BOTH);
        gate.beforeModelLoad(WorkerKind.LLM, "chat.gguf", Json.object().put("n_ctx", 8192)); // 4.2 + 1 GB
        assertThatThrownBy(() -> gate.beforeModelLoad(WorkerKind.LLM, "chat.gguf", Json.object().put("n_ctx", 131072)))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.INSUFFICIENT_MEMORY))
                .hasMessageContaining("chat.gguf"); // 4.2 + 16 GB
        kvBytesPerToken = 0; // a worker that cannot say: the file's size stands for it (4.8 GB)
        gate.beforeModelLoad(WorkerKind.LLM, "chat.gguf", Json.object().put("n_ctx", 131072));
    }

    @Test
    void anImageModelThatFitsOnlyWithoutTheLanguageModelUnloadsItUnderAuto() {
        llmLoaded = "chat.gguf";
        ramAvailable = 7 * GB; // 10.2 GB needed, 7 GB less reserve available, 4.8 GB freed by the unload
        arbiter(MemoryPolicy.AUTO).beforeModelLoad(WorkerKind.SD, "big.safetensors");
        assertThat(llmCalls).containsExactly("unload");
    }

    @Test
    void namesThatAreNoFileAndInvalidSizesAreLeftToTheWorkerToRefuse() {
        ramAvailable = 0;
        MemoryArbiter gate = arbiter(MemoryPolicy.KEEP_BOTH);
        gate.beforeModelLoad(WorkerKind.LLM, "../../etc/passwd");
        gate.beforeModelLoad(WorkerKind.SD, "absent.safetensors");
        gate.beforeModelLoad(WorkerKind.SD, null);
        gate.beforeImageJob(new ImageSize(4096, 64)).close(); // beyond --max-image-side: the worker's 400 says so
        assertThat(llmCalls).isEmpty();
    }
}
