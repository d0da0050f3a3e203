package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.system.NativeHeap;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import com.mysticanvas.core.system.ProcessMemory;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A session's scratch memory stays in its arena after a run, until a run with releasing options gives it back. */
class SessionsTest {
    private static final long BIG = 200L * 1024 * 1024 / 4; // floats of scratch: 200 MB
    private static final long SMALL = 1000;

    @Test
    void scratchStaysUntilAReleasingRun() throws Exception {
        try (OrtSession session = scratchSession();
             OrtSession.RunOptions keep = new OrtSession.RunOptions();
             OrtSession.RunOptions release = Sessions.releasingScratch()) {
            // ORT never shrinks an arena's first region; in a real network that region holds the weights.
            run(session, SMALL, keep);
            long before = rssAnonMb();
            run(session, BIG, keep);
            long kept = rssAnonMb() - before;
            run(session, BIG, release);
            long released = rssAnonMb() - before;
            assertThat(kept).as("MB held after a plain run").isGreaterThan(150);
            assertThat(released).as("MB held after a releasing run").isLessThan(50);
        }
    }

    /** y = sum(expand(x, [n])): a run needs n floats of scratch. */
    private static OrtSession scratchSession() throws OrtException {
        OnnxGraph g = new OnnxGraph("scratch");
        String x = g.input("x", OnnxGraph.FLOAT, 1L);
        String n = g.input("n", OnnxGraph.INT64, 1L);
        g.output(g.op("ReduceSum", g.op("Expand", x, n), Attr.i("keepdims", 0)), "y", OnnxGraph.FLOAT);
        return Sessions.create(g, Path.of("."), Map.of(), 1);
    }

    private static void run(OrtSession session, long n, OrtSession.RunOptions options) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(new float[] {1}), new long[] {1});
             OnnxTensor size = OnnxTensor.createTensor(Sessions.env(), LongBuffer.wrap(new long[] {n}), new long[] {1});
             OrtSession.Result r = session.run(Map.of("x", x, "n", size), options)) {
            assertThat(((OnnxTensor) r.get("y").orElseThrow()).getFloatBuffer().get(0)).isEqualTo((float) n);
        }
    }

    private static long rssAnonMb() {
        NativeHeap.trim(); // count what is held, not what glibc has yet to hand back
        return ProcessMemory.self().orElseThrow().anonMb();
    }
}
