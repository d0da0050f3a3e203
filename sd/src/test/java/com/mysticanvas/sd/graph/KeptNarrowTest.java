package com.mysticanvas.sd.graph;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.onnx.OnnxGraph;
import com.mysticanvas.core.system.NativeHeap;
import com.mysticanvas.core.system.ProcessMemory;
import com.mysticanvas.sd.pipeline.Sessions;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.safetensors.TensorInfo;
import com.mysticanvas.sd.testing.TinyModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which weights stay 16-bit and are widened per run; that they compute what folded ones compute, stay mapped from
 * the file instead of being copied to f32, and can still be replaced at load (LoRA).
 */
class KeptNarrowTest {
    private static final String FC1 = "text_model.encoder.layers.0.mlp.fc1.weight";

    @Test
    void sd15KeepsTheDeepestLevelAndTheLightProjectionsNarrow() {
        Map<String, long[]> layout = Layouts.unet(UNetConfig.SD15);
        Predicate<String> narrow = UNetGraph.keptNarrow(UNetConfig.SD15);
        assertThat(layout.keySet().stream().filter(narrow)).contains(
                "input_blocks.9.0.op.weight", // downsampling into the deepest level runs at its size
                "input_blocks.10.0.in_layers.2.weight", "input_blocks.11.0.out_layers.3.bias",
                "middle_block.0.in_layers.2.weight", "middle_block.1.transformer_blocks.0.ff.net.0.proj.weight",
                "output_blocks.0.0.skip_connection.weight", "output_blocks.2.0.out_layers.3.weight",
                "time_embed.0.weight", "input_blocks.1.0.emb_layers.1.weight",
                "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
                "output_blocks.11.1.transformer_blocks.0.attn2.to_v.weight");
        assertThat(layout.keySet().stream().filter(narrow.negate())).contains(
                "input_blocks.0.0.weight", "input_blocks.8.0.in_layers.2.weight",
                "output_blocks.2.1.conv.weight", // upsampling out of the deepest level runs one level up
                "output_blocks.3.0.in_layers.2.weight", "input_blocks.1.1.transformer_blocks.0.attn2.to_q.weight",
                "output_blocks.11.1.transformer_blocks.0.attn1.to_k.weight", "out.2.weight");
        double narrowShare = (double) params(layout, narrow) / params(layout, name -> true);
        assertThat(narrowShare).as("share of the UNet's weights kept narrow").isBetween(0.38, 0.45);
    }

    @Test
    void narrowWeightsComputeLikeFoldedOnes() throws Exception {
        try (SafeTensors st = SafeTensors.open(TinyModels.checkpoint())) {
            SdModelSpec spec = CheckpointInspector.inspect(st);
            assertClose(encode(st, spec, name -> true, Map.of()), encode(st, spec, name -> false, Map.of()));
        }
    }

    @Test
    void aNarrowWeightStaysMappedFromTheFileWhereAFoldedOneIsCopiedToF32(@TempDir Path dir) throws Exception {
        int n = 4096; // a 32 MB f16 weight, 64 MB as f32
        Path file = dir.resolve("one-linear.safetensors");
        SafeTensorsWriter.write(file, List.of(new SafeTensorsWriter.Entry("fc.weight", DType.F16, new long[] {n, n},
                b -> b.put(new byte[b.remaining()]))), Map.of());
        try (SafeTensors st = SafeTensors.open(file)) {
            ProcessMemory start = now();
            try (OrtSession folded = linearSession(st, name -> false, n)) {
                // 64 MB is the f32 copy; a CI host once measured 47 (ORT's arena reuses pages freed before the
                // start), so the bound is the f16 size: anything above it is a copy, not the file's mapping
                assertThat(now().anonMb() - start.anonMb()).as("MB of anonymous memory, folded").isGreaterThan(32);
            }
            start = now();
            try (OrtSession narrow = linearSession(st, name -> true, n)) {
                assertThat(now().anonMb() - start.anonMb()).as("MB of anonymous memory, narrow").isLessThan(16);
                try (OnnxTensor x = OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(new float[n]), new long[] {1, n});
                     OrtSession.Result r = narrow.run(Map.of("x", x))) {
                    // the run read the weight where ORT mapped it (its f32 widening is the run's scratch)
                    assertThat(now().fileMb() - start.fileMb()).as("MB mapped from the file").isGreaterThan(24);
                }
            }
        }
    }

    /** y = x fc^T for x [1,n]: one linear layer reading weight {@code fc.weight} from {@code st}. */
    private static OrtSession linearSession(SafeTensors st, Predicate<String> narrow, int n) throws Exception {
        OnnxGraph g = new OnnxGraph("one_linear");
        String x = g.input("x", OnnxGraph.FLOAT, 1L, (long) n);
        g.output(new Nn(g, new CheckpointWeights(st, "", narrow)).linear(x, "fc", n, n, false), "y", OnnxGraph.FLOAT, 1L, (long) n);
        return Sessions.create(g, st.path().toAbsolutePath().getParent(), Map.of(), 1);
    }

    /** This process's resident memory, the C heap trimmed first. */
    private static ProcessMemory now() {
        NativeHeap.trim();
        return ProcessMemory.self().orElseThrow();
    }

    @Test
    void aNarrowWeightReplacedAtLoadIsUsed() throws Exception { // how LoRA-merged weights come in
        try (SafeTensors st = SafeTensors.open(TinyModels.checkpoint())) {
            SdModelSpec spec = CheckpointInspector.inspect(st);
            TensorInfo fc1 = st.tensor(spec.textEncoders().getFirst().prefix() + FC1);
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) fc1.length()).order(ByteOrder.LITTLE_ENDIAN);
            try (OnnxTensor replacement = OnnxTensor.createTensor(Sessions.env(), zeros, fc1.shape(), OnnxJavaType.FLOAT16)) {
                Map<String, OnnxTensor> replaced = Map.of(fc1.name(), replacement);
                float[] narrow = encode(st, spec, name -> true, replaced);
                assertClose(narrow, encode(st, spec, name -> false, replaced));
                assertThat(narrow).isNotEqualTo(encode(st, spec, name -> true, Map.of()));
            }
        }
    }

    /** The text encoder's last hidden state for a short prompt. */
    private static float[] encode(SafeTensors st, SdModelSpec spec, Predicate<String> narrow,
                                  Map<String, OnnxTensor> replaced) throws Exception {
        long[] ids = new long[77];
        Arrays.fill(ids, 49407);
        ids[0] = 49406;
        ids[1] = 320;
        SdModelSpec.TextEncoder clip = spec.textEncoders().getFirst();
        OnnxGraph graph = ClipGraph.build(clip.config(), new CheckpointWeights(st, clip.prefix(), narrow));
        try (OrtSession s = Sessions.create(graph, TinyModels.checkpoint().getParent(), replaced, 1);
             OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(ids), new long[] {1, 77});
             OrtSession.Result r = s.run(com.mysticanvas.sd.testing.ClipInputs.of(in, clip.config()))) {
            FloatBuffer b = ((OnnxTensor) r.get("hidden").orElseThrow()).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }

    private static long params(Map<String, long[]> layout, Predicate<String> which) {
        return layout.entrySet().stream().filter(e -> which.test(e.getKey()))
                .mapToLong(e -> TensorInfo.elements(e.getValue())).sum();
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], Offset.offset(1e-4f));
        }
    }
}
