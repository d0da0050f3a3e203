package com.mysticanvas.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hand-written layouts against the real library: struct sizes and offsets as in {@code include/llama.h},
 * and every field read back from {@code llama_*_default_params()} equal to the defaults in llama.cpp's source
 * ({@code llama_model_default_params} in src/llama-model.cpp, {@code llama_context_default_params} in
 * src/llama-context.cpp). A field at a wrong offset reads a neighbour's value and fails here.
 */
class LlamaStructsTest {
    private static final Object NULL = MemorySegment.NULL;

    @Test
    void sizesMatchTheHeader() {
        assertThat(LlamaStructs.MODEL_PARAMS.byteSize()).isEqualTo(80);
        assertThat(LlamaStructs.CONTEXT_PARAMS.byteSize()).isEqualTo(160);
        assertThat(LlamaStructs.BATCH.byteSize()).isEqualTo(56);
        assertThat(LlamaStructs.SAMPLER_CHAIN_PARAMS.byteSize()).isEqualTo(1);
        assertThat(LlamaStructs.CHAT_MESSAGE.byteSize()).isEqualTo(16);
        assertThat(LlamaStructs.LOGIT_BIAS.byteSize()).isEqualTo(8);
    }

    @Test
    void offsetsMatchTheHeader() {
        assertThat(LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "n_gpu_layers")).isEqualTo(16);
        assertThat(LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "tensor_split")).isEqualTo(40);
        assertThat(LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "progress_callback")).isEqualTo(48);
        assertThat(LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "kv_overrides")).isEqualTo(64);
        assertThat(LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "vocab_only")).isEqualTo(72);
        assertThat(LlamaStructs.offset(LlamaStructs.MODEL_PARAMS, "load_mtp")).isEqualTo(77);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "pooling_type")).isEqualTo(44);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "flash_attn_type")).isEqualTo(52);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "rope_freq_base")).isEqualTo(56);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "yarn_orig_ctx")).isEqualTo(80);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "cb_eval")).isEqualTo(88);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "type_k")).isEqualTo(104);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "abort_callback")).isEqualTo(112);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "embeddings")).isEqualTo(128);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "kv_unified")).isEqualTo(133);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "samplers")).isEqualTo(136);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "n_samplers")).isEqualTo(144);
        assertThat(LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, "ctx_other")).isEqualTo(152);
        assertThat(LlamaStructs.offset(LlamaStructs.BATCH, "token")).isEqualTo(8);
        assertThat(LlamaStructs.offset(LlamaStructs.BATCH, "logits")).isEqualTo(48);
    }

    @Test
    void modelParamsDefaultsReadBackFieldByField() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("devices", NULL);
        expected.put("tensor_buft_overrides", NULL);
        expected.put("n_gpu_layers", -1);
        expected.put("split_mode", 1); // LLAMA_SPLIT_MODE_LAYER
        expected.put("load_mode", -1); // LLAMA_LOAD_MODE_AUTO
        expected.put("lazy_mode", 1); // LLAMA_LAZY_MODE_AUTO
        expected.put("main_gpu", 0);
        expected.put("tensor_split", NULL);
        expected.put("progress_callback", NULL);
        expected.put("progress_callback_user_data", NULL);
        expected.put("kv_overrides", NULL);
        expected.put("vocab_only", false);
        expected.put("check_tensors", false);
        expected.put("use_extra_bufts", true);
        expected.put("no_host", false);
        expected.put("no_alloc", false);
        expected.put("load_mtp", false);
        try (Arena arena = Arena.ofConfined()) {
            assertDefaults(LlamaStructs.MODEL_PARAMS, Llama.modelDefaultParams(arena), expected);
        }
    }

    @Test
    void contextParamsDefaultsReadBackFieldByField() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("n_ctx", 512);
        expected.put("n_batch", 2048);
        expected.put("n_ubatch", 512);
        expected.put("n_seq_max", 1);
        expected.put("n_rs_seq", 0);
        expected.put("n_outputs_max", 0);
        expected.put("n_outputs_max_per_seq", 1);
        expected.put("n_threads", 4); // GGML_DEFAULT_N_THREADS
        expected.put("n_threads_batch", 4);
        expected.put("ctx_type", 0);
        expected.put("rope_scaling_type", -1);
        expected.put("pooling_type", -1);
        expected.put("attention_type", -1);
        expected.put("flash_attn_type", -1);
        expected.put("rope_freq_base", 0.0f);
        expected.put("rope_freq_scale", 0.0f);
        expected.put("yarn_ext_factor", -1.0f);
        expected.put("yarn_attn_factor", -1.0f);
        expected.put("yarn_beta_fast", -1.0f);
        expected.put("yarn_beta_slow", -1.0f);
        expected.put("yarn_orig_ctx", 0);
        expected.put("defrag_thold", -1.0f);
        expected.put("cb_eval", NULL);
        expected.put("cb_eval_user_data", NULL);
        expected.put("type_k", 1); // GGML_TYPE_F16
        expected.put("type_v", 1);
        expected.put("abort_callback", NULL);
        expected.put("abort_callback_data", NULL);
        expected.put("embeddings", false);
        expected.put("offload_kqv", true);
        expected.put("no_perf", true);
        expected.put("op_offload", true);
        expected.put("swa_full", true);
        expected.put("kv_unified", false);
        expected.put("samplers", NULL);
        expected.put("n_samplers", 0L);
        expected.put("ctx_other", NULL);
        try (Arena arena = Arena.ofConfined()) {
            assertDefaults(LlamaStructs.CONTEXT_PARAMS, Llama.contextDefaultParams(arena), expected);
        }
    }

    @Test
    void samplerChainParamsDefaultToNoPerfTrue() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = Llama.samplerChainDefaultParams(arena);
            assertThat(p.byteSize()).isEqualTo(1);
            assertThat(p.get(ValueLayout.JAVA_BOOLEAN, 0)).isTrue(); // src/llama.cpp: no_perf = true
        }
    }

    /** Every named field of the layout is listed, in order, and reads back as expected. */
    private static void assertDefaults(StructLayout layout, MemorySegment struct, Map<String, Object> expected) {
        Map<String, Object> actual = new LinkedHashMap<>();
        for (MemoryLayout member : layout.memberLayouts()) {
            if (member.name().isEmpty()) {
                continue; // padding
            }
            String name = member.name().get();
            actual.put(name, LlamaStructs.field(layout, name).get(struct, 0L));
        }
        assertThat(actual).containsExactlyEntriesOf(expected);
    }
}
