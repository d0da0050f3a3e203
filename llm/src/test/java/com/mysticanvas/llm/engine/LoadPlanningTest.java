package com.mysticanvas.llm.engine;

import com.mysticanvas.llm.gguf.GgmlType;
import com.mysticanvas.llm.gguf.GgufInfo;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The KV cache a load needs and the GPU layers that fit, from GGUF headers (no llama.cpp). */
class LoadPlanningTest {
    private static final long GB = 1L << 30;

    /** A header of the given layout; {@code keyLength} 0 leaves key/value lengths to the default. */
    static GgufInfo header(int layers, int embedding, int heads, int kvHeads, int keyLength, long blockBytes,
                           long expertBytes, long fileSize) {
        Map<String, Object> meta = new HashMap<>();
        meta.put("general.architecture", "qwen3");
        meta.put("qwen3.block_count", (long) layers);
        meta.put("qwen3.embedding_length", (long) embedding);
        meta.put("qwen3.attention.head_count", (long) heads);
        meta.put("qwen3.attention.head_count_kv", (long) kvHeads);
        meta.put("qwen3.feed_forward_length", 4L * embedding);
        meta.put("tokenizer.ggml.tokens", 151_936L);
        if (keyLength > 0) {
            meta.put("qwen3.attention.key_length", (long) keyLength);
            meta.put("qwen3.attention.value_length", (long) keyLength);
        }
        return new GgufInfo("m.gguf", fileSize, 3, "m", "qwen3", 0, 0, 40960, "Q8_0", null, -1, blockBytes, expertBytes, meta);
    }

    @Test
    void theKvCacheUsesTheModelsOwnHeadSizeAndTheCacheTypes() {
        // Qwen3-0.6B: 28 layers, 1024 wide, 16 heads of 128 (not 1024 / 16 = 64), 8 KV heads
        GgufInfo qwen3 = header(28, 1024, 16, 8, 128, 0, 0, GB);
        assertThat(KvCacheSize.bytesPerToken(qwen3, GgmlType.F16, GgmlType.F16)).isEqualTo(28L * 2 * 8 * 128 * 2);
        assertThat(KvCacheSize.bytesPerToken(qwen3, GgmlType.Q8_0, GgmlType.Q8_0)).isEqualTo(28L * 2 * (8 * 128 / 32) * 34);
        assertThat(KvCacheSize.bytesPerToken(qwen3, GgmlType.Q4_0, GgmlType.F16)).isEqualTo(28L * ((8 * 128 / 32) * 18 + 8 * 128 * 2));
        // without key_length: the embedding split over the heads
        assertThat(KvCacheSize.bytesPerToken(header(2, 64, 4, 4, 0, 0, 0, GB), GgmlType.F16, GgmlType.F16)).isEqualTo(512);
        assertThat(KvCacheSize.bytesPerToken(header(0, 64, 4, 4, 0, 0, 0, GB), GgmlType.F16, GgmlType.F16)).isEqualTo(-1);
    }

    @Test
    void autoGpuLayersFitWhatTheFreeMemoryHolds() {
        // 32 layers of 0.25 GB (8 GB) and 1 GB of embeddings + output
        GgufInfo model = header(32, 4096, 32, 8, 128, 8 * GB, 0, 9 * GB);
        long kv = 32L * 1024 * 1024 * 32; // 1 GB of KV: 32 MB a layer
        int all = GpuLayerFit.layers(model, 24 * GB, kv, 512, 0);
        assertThat(all).as("everything fits in 24 GB, the output layer too").isEqualTo(33);
        int some = GpuLayerFit.layers(model, 6 * GB, kv, 512, 0);
        assertThat(some).as("6 GB").isBetween(15, 20);
        assertThat(GpuLayerFit.layers(model, 256L << 20, kv, 512, 0)).as("less than the reserve").isZero();
        assertThat(GpuLayerFit.layers(model, -1, kv, 512, 0)).as("no GPU").isZero();
        assertThat(GpuLayerFit.layers(model, 6 * GB, 8 * kv, 512, 0)).as("a bigger context leaves room for fewer").isLessThan(some);
    }

    @Test
    void expertsKeptOnTheCpuLetMoreLayersOntoTheGpu() {
        // a MoE: 48 layers of 0.5 GB, 90% of it experts
        GgufInfo moe = header(48, 2048, 32, 4, 128, 24 * GB, 24 * GB * 9 / 10, 25 * GB);
        int plain = GpuLayerFit.layers(moe, 8 * GB, 0, 512, 0);
        int cpuMoe = GpuLayerFit.layers(moe, 8 * GB, 0, 512, 48);
        assertThat(plain).isLessThan(16);
        assertThat(cpuMoe).as("all experts on the CPU").isEqualTo(49);
    }

    @Test
    void optionsThatLlamaCppWouldRefuseAreRefusedFirst() {
        assertThatThrownBy(() -> new LoadOptions(0, 0, -1, 0, LoadOptions.FlashAttention.OFF, GgmlType.F16, GgmlType.Q4_0,
                0, 0, 0)).hasMessageContaining("needs flash attention");
        assertThatThrownBy(() -> new LoadOptions(0, 0, -1, 0, LoadOptions.FlashAttention.AUTO, GgmlType.Q2_K, GgmlType.F16,
                0, 0, 0)).hasMessageContaining("KV cache types");
        assertThatThrownBy(() -> new LoadOptions(0, 0, -1, 0, LoadOptions.FlashAttention.AUTO, GgmlType.F16, GgmlType.F16,
                64, 128, 0)).hasMessageContaining("n_ubatch 128 is larger than n_batch 64");
        LoadOptions defaults = LoadOptions.defaults();
        assertThat(defaults.batchTokens()).isEqualTo(512);
        assertThat(defaults.microBatchTokens()).isEqualTo(512);
    }
}
