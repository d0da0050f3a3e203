package com.mysticanvas.orchestrator.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.orchestrator.storage.Database;
import com.mysticanvas.orchestrator.storage.DownloadStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a fake Hub and civitai on loopback: every path of the real ones, none of the internet. */
class DownloadManagerTest {
    private static final FileTransfer.Options FAST = new FileTransfer.Options(4, 64 << 10, Duration.ofMillis(600), 6,
            Duration.ofMillis(50));

    @TempDir
    Path dir;
    FakeHub hub;
    Database db;
    ModelFolders folders;
    DownloadManager downloads;
    final List<ObjectNode> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        db = Database.open(dir.resolve("data/mysticanvas.db"));
        folders = new ModelFolders(dir.resolve("models"));
        downloads = manager("hf-secret");
    }

    private DownloadManager manager(String token) {
        DownloadSettings settings = new DownloadSettings(hub.endpoint(), token, hub.endpoint(), null, FAST);
        DownloadManager m = new DownloadManager(new DownloadStore(db), folders, settings, (name, data) -> events.add((ObjectNode) data));
        m.start();
        return m;
    }

    @AfterEach
    void stop() {
        downloads.close();
        db.close();
        hub.close();
    }

    private ObjectNode await(String id, Predicate<ObjectNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            ObjectNode job = downloads.get(id);
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("download " + id + " never got there: " + downloads.get(id));
    }

    private ObjectNode awaitState(String id, String state) throws InterruptedException {
        return await(id, j -> j.path("state").asText().equals(state) || j.path("state").asText().equals("failed") && !state.equals("failed"));
    }

    private static String sha(Path file) throws java.io.IOException {
        return FakeHub.sha256(Files.readAllBytes(file)); // a mismatch reads as two hashes, not two arrays
    }

    private List<String> filesIn(String folder) throws Exception {
        Path p = dir.resolve("models").resolve(folder);
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aGatedGgufComesThroughTheCdnRedirectWithTheTokenOnlyOnTheHub() throws Exception {
        byte[] q4 = FakeHub.randomBytes(300_000, 1);
        hub.file("org/tiny-GGUF", "tiny-Q4_K_M.gguf", q4);
        hub.file("org/tiny-GGUF", "tiny-Q8_0.gguf", FakeHub.randomBytes(500_000, 2));
        hub.file("org/tiny-GGUF", "README.md", "hi".getBytes());
        hub.gate("org/tiny-GGUF", "hf-secret");

        ObjectNode job = downloads.submit("hf.co/org/tiny-GGUF", null);
        assertThat(job.path("model").asText()).as("no tag: Q4_K_M first, as llama.cpp").isEqualTo("tiny-Q4_K_M.gguf");
        assertThat(job.path("revision").asText()).isEqualTo(FakeHub.COMMIT);
        ObjectNode done = awaitState(job.path("id").asText(), "done");
        assertThat(done.path("bytes").asLong()).isEqualTo(q4.length);

        assertThat(sha(folders.folder(ModelFolders.Kind.LLM).resolve("tiny-Q4_K_M.gguf"))).isEqualTo(FakeHub.sha256(q4));
        assertThat(filesIn("llm")).containsExactly("tiny-Q4_K_M.gguf");
        assertThat(filesIn(".downloads")).as("no partial left").isEmpty();
        assertThat(hub.seen).filteredOn(s -> s.host().equals("api")).allMatch(s -> "Bearer hf-secret".equals(s.authorization()));
        assertThat(hub.seen).filteredOn(s -> s.host().equals("cdn")).isNotEmpty().allMatch(s -> s.authorization() == null);
        assertThat(hub.seen).as("the tree was read page by page").filteredOn(s -> s.path().contains("/tree/")).hasSizeGreaterThan(1);
        assertThat(hub.seen).as("files come from the commit the branch points at")
                .filteredOn(s -> s.host().equals("cdn")).allMatch(s -> s.path().contains("tiny-Q4_K_M.gguf"));
        assertThat(downloads.provenance()).singleElement().satisfies(p -> {
            assertThat(p.source()).isEqualTo("hf.co/org/tiny-GGUF");
            assertThat(p.revision()).isEqualTo(FakeHub.COMMIT);
            assertThat(p.sha256()).isEqualTo(FakeHub.sha256(q4));
            assertThat(p.url()).contains("/resolve/" + FakeHub.COMMIT + "/");
        });
        assertThat(events).anyMatch(e -> e.path("state").asText().equals("downloading"))
                .anyMatch(e -> e.path("state").asText().equals("verifying"));

        assertThatThrownBy(() -> downloads.submit("hf.co/org/tiny-GGUF", null)).isInstanceOf(Problem.class)
                .hasMessageContaining("already in models/llm");
        assertThat(downloads.downloadedAs("hf.co/org/tiny-GGUF")).as("the name an Ollama client goes on using")
                .contains("tiny-Q4_K_M.gguf");
        assertThat(downloads.downloadedAs("huggingface.co/org/tiny-GGUF:latest")).contains("tiny-Q4_K_M.gguf");
        assertThat(downloads.downloadedAs("hf.co/org/tiny-GGUF:Q8_0")).isEmpty();
        assertThat(downloads.downloadedAs("llama3")).isEmpty();
    }

    @Test
    void aGatedRepoWithoutTheTokenSaysWhichVariableToSet() {
        hub.file("org/private", "m-Q8_0.gguf", FakeHub.randomBytes(1000, 3));
        hub.gate("org/private", "other");
        assertThatThrownBy(() -> downloads.submit("hf.co/org/private:Q8_0", null)).isInstanceOf(Problem.class)
                .hasMessageContaining("HF_TOKEN").extracting(e -> ((Problem) e).kind()).isEqualTo(Problem.Kind.BAD_INPUT);
        assertThatThrownBy(() -> downloads.submit("hf.co/org/missing", null)).isInstanceOf(Problem.class)
                .extracting(e -> ((Problem) e).kind()).isEqualTo(Problem.Kind.NOT_FOUND);
        hub.file("org/other", "m-Q8_0.gguf", FakeHub.randomBytes(1000, 3));
        assertThatThrownBy(() -> downloads.submit("hf.co/org/other:Q2_K", null)).hasMessageContaining("has no Q2_K GGUF; it has Q8_0");
    }

    @Test
    void throttlingADroppedConnectionAndAStallAreRetriedFromWhereTheyStopped() throws Exception {
        byte[] bytes = FakeHub.randomBytes(400_000, 4);
        FakeHub.Blob blob = hub.file("org/flaky", "flaky-Q8_0.gguf", bytes);
        blob.throttleNext.set(2);
        blob.dropAfter = 150_000;
        blob.stallAfter = 300_000;
        ObjectNode job = downloads.submit("hf.co/org/flaky:Q8_0", null);
        awaitState(job.path("id").asText(), "done");
        assertThat(sha(folders.folder(ModelFolders.Kind.LLM).resolve("flaky-Q8_0.gguf"))).isEqualTo(FakeHub.sha256(bytes));
        List<String> ranges = hub.seen.stream().filter(s -> s.host().equals("cdn") && s.range() != null && !s.range().equals("bytes=0-0"))
                .map(FakeHub.Seen::range).toList();
        assertThat(ranges).as("resumed at the bytes it had, not from 0").anyMatch(r -> r.matches("bytes=(1[5-9]|2\\d)\\d{4}-.*"))
                .anyMatch(r -> r.matches("bytes=(3\\d)\\d{4}-.*"));
    }

    @Test
    void aLargeFileIsFetchedOverSeveralConnections() throws Exception {
        byte[] bytes = FakeHub.randomBytes(1_000_000, 5);
        FakeHub.Blob blob = hub.file("org/big", "big-Q8_0.gguf", bytes);
        blob.bytesPerSecond = 2_000_000;
        ObjectNode job = downloads.submit("hf.co/org/big:Q8_0", null);
        awaitState(job.path("id").asText(), "done");
        assertThat(sha(folders.folder(ModelFolders.Kind.LLM).resolve("big-Q8_0.gguf"))).isEqualTo(FakeHub.sha256(bytes));
        assertThat(hub.mostConcurrentRanges.get()).as("ranges at once").isEqualTo(4);
    }

    @Test
    void aWrongHashDeletesThePartialAndSaysSo() throws Exception {
        FakeHub.Blob blob = hub.file("org/corrupt", "bad-Q8_0.gguf", FakeHub.randomBytes(100_000, 6));
        blob.listedSha = "0".repeat(64);
        ObjectNode job = downloads.submit("hf.co/org/corrupt", null);
        ObjectNode failed = awaitState(job.path("id").asText(), "failed");
        assertThat(failed.path("error").asText()).contains("bad-Q8_0.gguf is corrupt", "SHA-256", "0".repeat(64), "deleted");
        assertThat(filesIn("llm")).isEmpty();
        assertThat(filesIn(".downloads")).isEmpty();
        assertThat(failed.path("bytes").asLong()).isZero();
        int before = hub.seen.size();
        downloads.resume(job.path("id").asText()); // fetched again whole, and checked again
        ObjectNode again = awaitState(job.path("id").asText(), "failed");
        assertThat(again.path("error").asText()).contains("is corrupt");
        assertThat(hub.seen.subList(before, hub.seen.size())).anyMatch(s -> "bytes=0-99999".equals(s.range()));
    }

    @Test
    void aFileLargerThanTheFreeDiskIsRefusedBeforeAByteIsWritten() throws Exception {
        FakeHub.Blob blob = hub.file("org/huge", "huge-Q8_0.gguf", FakeHub.randomBytes(1000, 7));
        blob.claimedSize = 1L << 50; // a petabyte
        ObjectNode job = downloads.submit("hf.co/org/huge", null);
        ObjectNode failed = awaitState(job.path("id").asText(), "failed");
        assertThat(failed.path("error").asText()).contains("not enough disk space for huge-Q8_0.gguf", "1125899.91 GB");
        assertThat(filesIn("llm")).isEmpty();
        assertThat(hub.seen).filteredOn(s -> s.host().equals("cdn")).extracting(FakeHub.Seen::range).containsOnly("bytes=0-0");
    }

    @Test
    void aShardedGgufArrivesWithItsMmprojAndIsListedAsOneModel() throws Exception {
        for (int i = 1; i <= 3; i++) {
            hub.file("org/sharded", "Q4_K_M/model-Q4_K_M-0000" + i + "-of-00003.gguf", FakeHub.randomBytes(50_000, 10 + i));
        }
        hub.file("org/sharded", "Q8_0/model-Q8_0-00001-of-00002.gguf", FakeHub.randomBytes(10, 20));
        hub.file("org/sharded", "mmproj-model-F16.gguf", FakeHub.randomBytes(20_000, 21));
        ObjectNode job = downloads.submit("hf.co/org/sharded:q4_k_m", null);
        assertThat(job.path("files")).extracting(f -> f.path("name").asText()).containsExactly("model-Q4_K_M-00001-of-00003.gguf",
                "model-Q4_K_M-00002-of-00003.gguf", "model-Q4_K_M-00003-of-00003.gguf", "mmproj-model-F16.gguf");
        awaitState(job.path("id").asText(), "done");
        assertThat(filesIn("llm")).hasSize(4);
        assertThat(folders.list(ModelFolders.Kind.LLM)).extracting(p -> p.getFileName().toString())
                .containsExactly("model-Q4_K_M-00001-of-00003.gguf");
        assertThat(downloads.choices("org/sharded", null).quants()).extracting(q -> q.get("tag") + "/" + q.get("shards") + "/" + q.get("size"))
                .as("a set missing a shard is not offered").containsExactly("Q4_K_M/3/150000");
    }

    @Test
    void pauseKeepsThePartialResumeFinishesItCancelDeletesIt() throws Exception {
        byte[] bytes = FakeHub.randomBytes(300_000, 8);
        FakeHub.Blob slow = hub.file("org/slow", "slow-Q8_0.gguf", bytes);
        slow.bytesPerSecond = 200_000;
        String id = downloads.submit("hf.co/org/slow", null).path("id").asText();
        await(id, j -> j.path("bytes").asLong() > 20_000);
        assertThat(downloads.pause(id).path("state").asText()).isEqualTo("paused");
        assertThat(filesIn(".downloads")).contains(id + "-0.part");
        assertThat(filesIn("llm")).isEmpty();
        downloads.resume(id);
        for (int i = 0; i < 10; i++) { // a pause and a resume close together, as clicks come: it still finishes
            await(id, j -> j.path("state").asText().equals("downloading"));
            downloads.pause(id);
            downloads.resume(id);
        }
        slow.bytesPerSecond = 0;
        awaitState(id, "done");
        assertThat(sha(folders.folder(ModelFolders.Kind.LLM).resolve("slow-Q8_0.gguf"))).isEqualTo(FakeHub.sha256(bytes));

        FakeHub.Blob other = hub.file("org/slow", "other-Q4_K_M.gguf", FakeHub.randomBytes(300_000, 9));
        other.bytesPerSecond = 100_000;
        String second = downloads.submit("hf.co/org/slow:Q4_K_M", null).path("id").asText();
        await(second, j -> j.path("bytes").asLong() > 10_000);
        assertThat(downloads.cancel(second).path("state").asText()).isEqualTo("cancelled");
        await(second, j -> !Files.exists(dir.resolve("models/.downloads/" + second + "-0.part")));
        assertThat(filesIn("llm")).containsExactly("slow-Q8_0.gguf");
        downloads.cancel(second); // a finished job is cleared from the list
        assertThat(downloads.list()).extracting(j -> j.path("id").asText()).containsExactly(id);
    }

    @Test
    void aFileChangedOnTheServerIsStartedAgainNotSpliced() throws Exception {
        byte[] first = FakeHub.randomBytes(300_000, 30);
        FakeHub.Blob blob = hub.file("org/moving", "m.safetensors", first);
        blob.bytesPerSecond = 200_000;
        String id = downloads.submit(hub.endpoint() + "/org/moving/resolve/main/m.safetensors", null).path("id").asText();
        await(id, j -> j.path("bytes").asLong() > 20_000);
        downloads.pause(id);
        await(id, j -> !downloads.job(id).active.get()); // its thread has stopped
        byte[] second = FakeHub.randomBytes(300_000, 31);
        blob.change(second); // another ETag
        blob.bytesPerSecond = 0;
        int before = hub.seen.size();
        downloads.resume(id);
        awaitState(id, "done");
        assertThat(sha(folders.folder(ModelFolders.Kind.CHECKPOINT).resolve("m.safetensors"))).isEqualTo(FakeHub.sha256(second));
        assertThat(hub.seen.subList(before, hub.seen.size())).as("the partial of the old version was not continued")
                .filteredOn(s -> s.host().equals("cdn") && s.range() != null && !s.range().equals("bytes=0-0"))
                .extracting(FakeHub.Seen::range)
                .containsExactlyInAnyOrder("bytes=0-74999", "bytes=75000-149999", "bytes=150000-224999", "bytes=225000-299999");
    }

    @Test
    void aRestartGoesOnWithTheDownloadsThatWereRunning() throws Exception {
        byte[] bytes = FakeHub.randomBytes(400_000, 40);
        FakeHub.Blob blob = hub.file("org/restart", "r-Q8_0.gguf", bytes);
        blob.bytesPerSecond = 150_000;
        String id = downloads.submit("hf.co/org/restart", null).path("id").asText();
        await(id, j -> j.path("bytes").asLong() > 50_000);
        downloads.close();
        blob.bytesPerSecond = 0;
        downloads = manager(null);
        ObjectNode done = awaitState(id, "done");
        assertThat(done.path("bytes").asLong()).isEqualTo(bytes.length);
        assertThat(sha(folders.folder(ModelFolders.Kind.LLM).resolve("r-Q8_0.gguf"))).isEqualTo(FakeHub.sha256(bytes));
        assertThat(hub.seen).filteredOn(s -> s.host().equals("cdn") && s.range() != null)
                .as("after the restart it asked for the rest only").anyMatch(s -> s.range().matches("bytes=[1-9]\\d{4,}-399999"));
    }

    @Test
    void civitaiModelsGoToTheFolderOfTheirTypeCheckedByTheirSha256() throws Exception {
        byte[] lora = FakeHub.randomBytes(60_000, 50);
        hub.civitai(1234, 5678, "LORA", "detail_tweaker.safetensors", lora);
        ObjectNode job = downloads.submit("https://civitai.com/models/1234/detail-tweaker?modelVersionId=5678", null);
        assertThat(job.path("kind").asText()).isEqualTo("lora");
        assertThat(job.path("files").get(0).path("sha256").asText()).isEqualTo(FakeHub.sha256(lora));
        awaitState(job.path("id").asText(), "done");
        assertThat(sha(folders.folder(ModelFolders.Kind.LORA).resolve("detail_tweaker.safetensors"))).isEqualTo(FakeHub.sha256(lora));

        FakeHub.Blob bad = hub.civitai(99, 100, "Checkpoint", "dream.safetensors", FakeHub.randomBytes(10_000, 51));
        bad.bytes = FakeHub.randomBytes(10_000, 52); // served bytes differ from the published hash
        ObjectNode failed = awaitState(downloads.submit("civitai:99", null).path("id").asText(), "failed");
        assertThat(failed.path("error").asText()).contains("dream.safetensors is corrupt");
        assertThatThrownBy(() -> downloads.submit("civitai:12", null)).isInstanceOf(Problem.class).hasMessageContaining("not found");
    }

    @Test
    void aPlainUrlOfOneFileWorksAndItsKindCanBeChosen() throws Exception {
        byte[] vae = FakeHub.randomBytes(5_000, 60);
        hub.file("org/vae", "kl-f8.safetensors", vae);
        ObjectNode job = downloads.submit(hub.endpoint() + "/org/vae/resolve/main/kl-f8.safetensors", ModelFolders.Kind.VAE);
        awaitState(job.path("id").asText(), "done");
        assertThat(sha(folders.folder(ModelFolders.Kind.VAE).resolve("kl-f8.safetensors"))).isEqualTo(FakeHub.sha256(vae));
        assertThatThrownBy(() -> downloads.submit(hub.endpoint() + "/org/vae/resolve/main/kl-f8.safetensors", ModelFolders.Kind.LLM))
                .hasMessageContaining("cannot go into models/llm");
        assertThat(downloads.search("vae", true, 10)).isInstanceOf(com.fasterxml.jackson.databind.node.ArrayNode.class)
                .extracting(Object::toString).asString().contains("\"id\":\"org/vae\"");
    }
}
