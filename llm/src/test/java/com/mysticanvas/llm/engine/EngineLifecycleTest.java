package com.mysticanvas.llm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.gguf.GgufWriter;
import com.mysticanvas.llm.llama.Llama;
import com.mysticanvas.llm.synth.LlmSynthModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading: corrupt files, embeddings models. (Memory given back: LlmWorkerHttpTest, on a worker process.) */
class EngineLifecycleTest {
    @TempDir
    static Path dir;
    static Path tiny;
    static LlamaEngine engine;

    @BeforeAll
    static void start() throws Exception {
        tiny = LlmSynthModels.writeTiny(dir);
        engine = new LlamaEngine(1, 2, 0);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static LoadOptions small() {
        return new LoadOptions(512, 1, 0, 1);
    }

    @Test
    void corruptFilesAreA400NamingTheFileAndTheProblemAndTheEngineGoesOn() throws Exception {
        byte[] good = Files.readAllBytes(tiny);
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, Arrays.copyOf(good, good.length / 2));
        Path garbage = dir.resolve("garbage.gguf");
        Files.writeString(garbage, "this is not a model, just some text in a file".repeat(4));
        Path noTensors = dir.resolve("no-tensors.gguf");
        new GgufWriter().string("general.architecture", "llama").u32("llama.context_length", 128)
                .u32("llama.embedding_length", 64).u32("llama.block_count", 1).u32("llama.feed_forward_length", 128)
                .u32("llama.attention.head_count", 4).f32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .string("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", List.of("a", "b"))
                .strings("tokenizer.ggml.merges", List.of("a b")).write(noTensors);
        Path hugeLayers = dir.resolve("huge-layers.gguf");
        new GgufWriter().string("general.architecture", "llama").u32("llama.block_count", 100000).write(hugeLayers);

        Path giant = dir.resolve("giant.gguf"); // header only: 512 layers of 8192 wide attention
        new GgufWriter().string("general.architecture", "llama").u32("llama.context_length", 4096)
                .u32("llama.block_count", 512).u32("llama.embedding_length", 8192)
                .u32("llama.attention.head_count", 64).u32("llama.attention.head_count_kv", 64).write(giant);

        assertLoadFails(truncated, "truncated.gguf", "(truncated?)");
        assertThatThrownBy(() -> engine.load(giant, "giant.gguf", LoadOptions.defaults()))
                .isInstanceOf(Problem.class).hasMessageContaining("GB of KV cache").hasMessageContaining("giant.gguf");
        assertLoadFails(garbage, "garbage.gguf", "not a GGUF file");
        assertLoadFails(noTensors, "no-tensors.gguf", "tensor"); // llama.cpp's own reason, from its log
        assertLoadFails(hugeLayers, "huge-layers.gguf", "block_count"); // would be a GGML_ASSERT abort
        assertThat(engine.status().lastError()).contains("huge-layers.gguf");

        engine.load(tiny, "tiny-llama.gguf", small());
        Collected c = Collected.drain(engine.submit(LlamaEngineTest.text("still"), LlamaEngineTest.greedy(3, List.of())));
        assertThat(c.usage().completionTokens()).isEqualTo(3);
        engine.unload();
    }

    @Test
    void aLoadThatFailsOnceItsContextExistsFreesTheContext() throws Exception {
        // llama.cpp makes a context for a pooling type it does not know; the loader refuses it after that.
        Path unknownPooling = dir.resolve("tiny-pooling-7.gguf");
        LlmSynthModels.tiny().u32("llama.pooling_type", 7).write(unknownPooling);
        int before = Llama.liveContexts();
        assertLoadFails(unknownPooling, "tiny-pooling-7.gguf", "pooling_type is 7");
        assertThat(Llama.liveContexts()).isEqualTo(before);

        engine.load(tiny, "tiny-llama.gguf", small()); // the count counts: one context per loaded model
        assertThat(Llama.liveContexts()).isEqualTo(before + 1);
        engine.unload();
        assertThat(Llama.liveContexts()).isEqualTo(before);
    }

    private static void assertLoadFails(Path file, String name, String reason) {
        assertThatThrownBy(() -> engine.load(file, name, small()))
                .isInstanceOf(Problem.class)
                .satisfies(e -> assertThat(((Problem) e).kind()).isEqualTo(Problem.Kind.BAD_INPUT))
                .hasMessageContaining(name).hasMessageContaining(reason);
        assertThat(engine.status().model()).isNull();
    }

    @Test
    void aModelDeclaringMeanPoolingMakesNormalisedEmbeddings() throws Exception {
        Path embedder = dir.resolve("tiny-embed.gguf");
        LlmSynthModels.tiny().u32("llama.pooling_type", 1).write(embedder);
        engine.load(embedder, "tiny-embed.gguf", new LoadOptions(1024, 1, 0, 2));
        try {
            assertThat(engine.status().model().embeds()).isTrue();
            float[] a = engine.withModel(m -> m.embed(m.tokenize("a quiet garden", false, false)));
            float[] a2 = engine.withModel(m -> m.embed(m.tokenize("a quiet garden", false, false)));
            float[] b = engine.withModel(m -> m.embed(m.tokenize("the capital of France is Paris", false, false)));
            assertThat(a).hasSize(64).containsExactly(a2);
            assertThat(a).isNotEqualTo(b);
            double norm = 0;
            for (float x : a) {
                norm += x * x;
            }
            assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            // Generation still works on the other sequences.
            Collected c = Collected.drain(engine.submit(LlamaEngineTest.text("and"), LlamaEngineTest.greedy(3, List.of())));
            assertThat(c.usage().completionTokens()).isEqualTo(3);
        } finally {
            engine.unload();
        }
    }

    @Test
    void anEmbeddingHasTheModelsOutputWidthNotItsHiddenWidth() throws Exception {
        // The same weights, once with n_embd_out = n_embd (64) and once declaring a 32-wide output: llama.cpp then
        // fills 32 floats per pooled embedding (the first 32 of the pooled hidden state), and so must we read 32.
        Path wide = dir.resolve("tiny-embed-64.gguf");
        LlmSynthModels.tiny().u32("llama.pooling_type", 1).write(wide);
        Path narrow = dir.resolve("tiny-embed-32.gguf");
        LlmSynthModels.tiny().u32("llama.pooling_type", 1).u32("llama.embedding_length_out", 32).write(narrow);
        String text = "a quiet garden";
        float[] full = embedWith(wide, text);
        float[] out = embedWith(narrow, text);
        assertThat(full).hasSize(64);
        assertThat(out).hasSize(32);
        assertThat(out).containsExactly(normalised(Arrays.copyOf(full, 32)), org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void aRankingModelsEmbeddingHasOneFloatPerClassifierOutput() throws Exception {
        Path ranker = dir.resolve("tiny-rank.gguf");
        LlmSynthModels.tiny().u32("llama.pooling_type", 4)
                .strings("llama.classifier.output_labels", List.of("no", "maybe", "yes")).write(ranker);
        float[] scores = embedWith(ranker, "is the sky blue?");
        assertThat(scores).hasSize(3);
    }

    private static float[] embedWith(Path file, String text) {
        engine.load(file, file.getFileName().toString(), new LoadOptions(1024, 1, 0, 1));
        try {
            float[] v = engine.withModel(m -> m.embed(m.tokenize(text, false, false)));
            assertThat(engine.status().model().embeddingSize()).isEqualTo(v.length);
            return v;
        } finally {
            engine.unload();
        }
    }

    private static float[] normalised(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(sum));
        }
        return out;
    }
}
