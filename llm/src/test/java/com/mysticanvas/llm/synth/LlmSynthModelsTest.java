package com.mysticanvas.llm.synth;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.llm.gguf.GgufInfo;
import com.mysticanvas.llm.gguf.GgufReader;
import com.mysticanvas.llm.llama.Llama;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlmSynthModelsTest {
    @TempDir
    Path dir;

    @Test
    void tinyModelHasAHeaderOurReaderUnderstands() throws Exception {
        Path file = LlmSynthModels.writeTiny(dir);
        GgufInfo info = GgufReader.read(file);
        assertThat(info.architecture()).isEqualTo("llama");
        assertThat(info.version()).isEqualTo(3);
        assertThat(info.contextLength()).isEqualTo(4096);
        assertThat(info.quantization()).isEqualTo("F32");
        assertThat(info.hasChatTemplate()).isTrue();
        assertThat(info.chatTemplate()).contains("<|im_start|>");
        assertThat(info.fileSize()).isEqualTo(Files.size(file)).isLessThan(2_000_000);
        int vocab = LlmSynthModels.vocabulary().tokens().size();
        long perLayer = 4L * 64 * 64 + 3L * 64 * 128 + 2 * 64;
        assertThat(info.parameterCount()).isEqualTo(2L * vocab * 64 + 2 * perLayer + 64);
        assertThat(info.tensorCount()).isEqualTo(3 + 2 * 9);
    }

    @Test
    void vocabularyIsARealByteLevelBpeWithChatMlControls() {
        ByteLevelBpe bpe = LlmSynthModels.vocabulary();
        assertThat(bpe.tokens()).hasSize(256 + 240 + 3);
        assertThat(bpe.tokens().get(' ')).isEqualTo("Ġ");
        assertThat(bpe.tokens().get('\n')).isEqualTo("Ċ");
        assertThat(bpe.tokens()).contains("Ġthe", "<|im_start|>", "<|im_end|>");
        for (String merge : bpe.merges()) {
            String[] parts = merge.split(" ");
            assertThat(bpe.tokens()).contains(parts[0], parts[1], parts[0] + parts[1]);
        }
        assertThat(bpe.types()[bpe.id("<|im_end|>")]).isEqualTo(ByteLevelBpe.CONTROL);
    }

    @Test
    void llamaCppLoadsTheTinyModelAndTokenizesWithOurVocabulary() throws Exception {
        Path file = LlmSynthModels.writeTiny(dir);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = Llama.modelDefaultParams(arena);
            MemorySegment model = Llama.modelLoadFromFile(arena.allocateFrom(file.toString()), params);
            assertThat(model).isNotEqualTo(MemorySegment.NULL);
            try {
                MemorySegment vocab = Llama.modelVocab(model);
                ByteLevelBpe bpe = LlmSynthModels.vocabulary();
                assertThat(Llama.vocabNTokens(vocab)).isEqualTo(bpe.tokens().size());
                assertThat(Llama.vocabIsEog(vocab, bpe.id("<|im_end|>"))).isTrue();
                assertThat(Llama.modelChatTemplate(model)).isEqualTo(LlmSynthModels.CHATML_TEMPLATE);
                byte[] text = "Hello there, the painter".getBytes(StandardCharsets.UTF_8);
                MemorySegment tokens = arena.allocate(ValueLayout.JAVA_INT, 64);
                int n = Llama.tokenize(vocab, arena.allocateFrom(ValueLayout.JAVA_BYTE, text), text.length, tokens,
                        64, false, false);
                // Merges learnt from the training text make common words single tokens.
                assertThat(n).isPositive().isLessThan(text.length / 2);
                assertThat(tokens.getAtIndex(ValueLayout.JAVA_INT, 0)).isEqualTo(bpe.id("Hello"));
            } finally {
                Llama.modelFree(model);
            }
        }
    }
}
