package com.mysticanvas.sd.graph;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.onnx.OnnxGraph;
import com.mysticanvas.sd.pipeline.Sessions;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.testing.ClipInputs;
import com.mysticanvas.sd.testing.TinyModels;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ONNX graphs built from the tiny checkpoint (with the weights kept narrow as the pipeline keeps them) compute
 * what the plain-Java reference computes.
 */
class GraphVsReferenceTest {
    private static SafeTensors st;
    private static SdModelSpec spec;

    @BeforeAll
    static void open() throws Exception {
        st = SafeTensors.open(TinyModels.checkpoint());
        spec = CheckpointInspector.inspect(st);
    }

    @AfterAll
    static void close() {
        st.close();
    }

    @Test
    void clipMatchesReference() throws Exception {
        long[] ids = new long[77];
        ids[0] = 49406;
        ids[1] = 320;
        ids[2] = 1125;
        ids[3] = 539;
        for (int i = 4; i < 77; i++) {
            ids[i] = 49407;
        }
        SdModelSpec.TextEncoder clip = spec.textEncoders().getFirst();
        OnnxGraph g = ClipGraph.build(clip.config(), new CheckpointWeights(st, clip.prefix(), ClipGraph.keptNarrow()));
        Reference ref = new Reference(st, clip.prefix());
        try (OrtSession s = session(g);
             OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(ids), new long[] {1, 77});
             OrtSession.Result r = s.run(ClipInputs.of(in, clip.config()))) {
            assertClose(floats(r, "hidden"), ref.clip(clip.config(), ids, false));
            assertClose(floats(r, "penultimate"), ref.clip(clip.config(), ids, true));
        }
    }

    @Test
    void everyClipSkipUpToTheLayerCountMatchesReference(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ClipConfig four = new ClipConfig(ClipConfig.Kind.OPENAI, 49408, 64, 4, 1, 256, 77, false);
        SdModelSpec deep = new SdModelSpec(spec.family(), java.util.List.of(new SdModelSpec.TextEncoder(four,
                SdModelSpec.SD1_CLIP)), spec.unet(), spec.unetPrefix(), spec.vae(), spec.vaePrefix(), null, false);
        java.nio.file.Path file = dir.resolve("deep-clip.safetensors");
        com.mysticanvas.sd.synth.SdSynthModels.writeCheckpoint(deep, com.mysticanvas.sd.safetensors.DType.F32, 11, file);
        long[] ids = new long[77];
        java.util.Arrays.fill(ids, 49407);
        ids[0] = 49406;
        ids[1] = 1125;
        try (SafeTensors deepFile = SafeTensors.open(file);
             OrtSession s = Sessions.create(ClipGraph.build(four, new CheckpointWeights(deepFile, SdModelSpec.SD1_CLIP,
                     ClipGraph.keptNarrow())), dir, Map.of(), 1);
             OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(ids), new long[] {1, 77});
             OrtSession.Result r = s.run(ClipInputs.of(in, four))) {
            Reference ref = new Reference(deepFile, SdModelSpec.SD1_CLIP);
            for (int skip = 1; skip <= 4; skip++) {
                assertClose(floats(r, ClipGraph.skipOutput(skip)), ref.clip(four, ids, skip));
            }
            assertThat(floats(r, "skip_4")).isNotEqualTo(floats(r, "skip_3"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd", "tiny-sd2", "tiny-sdxl", "tiny-sdxl-refiner"})
    void everyTextEncoderOfEveryFamilyMatchesReference(String stem) throws Exception {
        long[] ids = new long[77];
        ids[0] = 49406;
        ids[1] = 320;
        ids[2] = 1125;
        ids[3] = 539;
        ids[4] = 49407; // OpenCLIP windows are padded with 0 after the end token, ViT-L's with the end token
        try (SafeTensors file = SafeTensors.open(TinyModels.checkpoint(stem))) {
            for (SdModelSpec.TextEncoder e : CheckpointInspector.inspect(file).textEncoders()) {
                boolean openClip = e.config().kind() == ClipConfig.Kind.OPEN_CLIP;
                for (int i = 5; i < 77; i++) {
                    ids[i] = e.config().kind().padToken();
                }
                Reference ref = new Reference(file, e.prefix());
                OnnxGraph g = ClipGraph.build(e.config(), new CheckpointWeights(file, e.prefix(), ClipGraph.keptNarrow()));
                try (OrtSession s = session(g);
                     OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(ids), new long[] {1, 77});
                     OrtSession.Result r = s.run(ClipInputs.of(in, e.config()))) {
                    float[][] expected;
                    if (openClip) {
                        expected = ref.openClip(e.config(), ids);
                    } else {
                        float[] penultimate = ref.clip(e.config(), ids, true);
                        expected = new float[][] {ref.clip(e.config(), ids, false), penultimate, ref.lastBefore};
                    }
                    assertClose(floats(r, "hidden"), expected[0]);
                    assertClose(floats(r, "penultimate"), expected[1]);
                    assertClose(floats(r, "penultimate_raw"), expected[2]);
                    if (openClip) {
                        assertClose(floats(r, "pooled"), expected[3]);
                    } else {
                        assertThat(r.get("pooled")).isEmpty();
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd2", "tiny-sdxl", "tiny-sdxl-refiner"})
    void theUnetOfEveryFamilyMatchesReference(String stem) throws Exception {
        try (SafeTensors file = SafeTensors.open(TinyModels.checkpoint(stem))) {
            SdModelSpec s2 = CheckpointInspector.inspect(file);
            UNetConfig c = s2.unet();
            OnnxGraph g = UNetGraph.build(c, new CheckpointWeights(file, s2.unetPrefix(), UNetGraph.keptNarrow(c)));
            Reference ref = new Reference(file, s2.unetPrefix());
            int ctxLen = 77;
            float[] context = random(ctxLen * c.contextWidth(), 1);
            float[] y = c.admChannels() == 0 ? null : random(c.admChannels(), 5);
            try (OrtSession s = session(g)) {
                for (int[] hw : new int[][] {{8, 8}, {9, 6}}) {
                    float[] x = random(4 * hw[0] * hw[1], 2);
                    float t = 401.25f;
                    Map<String, OnnxTensor> inputs = new java.util.HashMap<>();
                    try (OnnxTensor xs = tensor(x, 1, 4, hw[0], hw[1]);
                         OnnxTensor ts = OnnxTensor.createTensor(Sessions.env(), new float[] {t});
                         OnnxTensor cs = tensor(context, 1, ctxLen, c.contextWidth());
                         OnnxTensor ys = y == null ? null : tensor(y, 1, c.admChannels())) {
                        inputs.put("sample", xs);
                        inputs.put("timestep", ts);
                        inputs.put("context", cs);
                        if (ys != null) {
                            inputs.put("y", ys);
                        }
                        try (OrtSession.Result r = s.run(inputs)) {
                            float[] expected = ref.unet(c, new Reference.Map(x, 4, hw[0], hw[1]), t, context, ctxLen, y);
                            assertClose(floats(r, "prediction"), expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void unetMatchesReferenceIncludingOddLatentSizes() throws Exception {
        OnnxGraph g = UNetGraph.build(spec.unet(), new CheckpointWeights(st, spec.unetPrefix(), UNetGraph.keptNarrow(spec.unet())));
        Reference ref = new Reference(st, spec.unetPrefix());
        int ctxLen = 77;
        int width = spec.unet().contextWidth();
        float[] context = random(ctxLen * width, 1);
        try (OrtSession s = session(g)) {
            for (int[] hw : new int[][] {{8, 8}, {9, 6}}) {
                float[] x = random(4 * hw[0] * hw[1], 2);
                float t = 621.5f;
                try (OnnxTensor xs = tensor(x, 1, 4, hw[0], hw[1]);
                     OnnxTensor ts = OnnxTensor.createTensor(Sessions.env(), new float[] {t});
                     OnnxTensor cs = tensor(context, 1, ctxLen, width);
                     OrtSession.Result r = s.run(Map.of("sample", xs, "timestep", ts, "context", cs))) {
                    float[] expected = ref.unet(spec.unet(), new Reference.Map(x, 4, hw[0], hw[1]), t, context, ctxLen);
                    assertClose(floats(r, "prediction"), expected);
                }
            }
        }
    }

    @Test
    void vaeDecoderAndEncoderMatchReference() throws Exception {
        Reference ref = new Reference(st, spec.vaePrefix());
        float[] z = random(4 * 4 * 5, 3);
        try (OrtSession s = session(VaeGraph.decoder(spec.vae(), new CheckpointWeights(st, spec.vaePrefix())));
             OnnxTensor in = tensor(z, 1, 4, 4, 5);
             OrtSession.Result r = s.run(Map.of("latent", in))) {
            assertThat(((OnnxTensor) r.get("image").get()).getInfo().getShape()).containsExactly(1, 3, 32, 40);
            assertClose(floats(r, "image"), ref.vaeDecode(spec.vae(), new Reference.Map(z, 4, 4, 5)).d());
        }
        float[] image = random(3 * 32 * 40, 4);
        try (OrtSession s = session(VaeGraph.encoder(spec.vae(), new CheckpointWeights(st, spec.vaePrefix())));
             OnnxTensor in = tensor(image, 1, 3, 32, 40);
             OrtSession.Result r = s.run(Map.of("image", in))) {
            assertClose(floats(r, "latent"), ref.vaeEncode(spec.vae(), new Reference.Map(image, 3, 32, 40)).d());
        }
    }

    private static OrtSession session(OnnxGraph g) throws Exception {
        return Sessions.create(g, TinyModels.checkpoint().getParent(), Map.of(), 1);
    }

    private static OnnxTensor tensor(float[] data, long... shape) throws Exception {
        return OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(data), shape);
    }

    private static float[] floats(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).get()).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    private static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    /** Max difference within 1e-3 of the reference's largest magnitude (f32 sums in another order), and not all zero. */
    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        assertThat(maxRef).isGreaterThan(1e-3);
        assertThat(maxDiff).as("max |graph - reference| against max |reference| %s", maxRef).isLessThan(1e-3 * maxRef);
    }
}
