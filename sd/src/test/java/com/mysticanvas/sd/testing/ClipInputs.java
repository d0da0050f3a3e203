package com.mysticanvas.sd.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import com.mysticanvas.sd.graph.ClipGraph;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.pipeline.Sessions;
import java.nio.FloatBuffer;
import java.util.Map;

/** A text-encoder graph's inputs for one window of ids without textual-inversion vectors (zeros). */
public final class ClipInputs {
    private ClipInputs() {}

    public static Map<String, OnnxTensor> of(OnnxTensor ids, ClipConfig c) throws OrtException {
        int positions = c.positions();
        return Map.of("input_ids", ids,
                ClipGraph.EMBEDDING_VECTORS, OnnxTensor.createTensor(Sessions.env(),
                        FloatBuffer.wrap(new float[positions * c.width()]), new long[] {1, positions, c.width()}),
                ClipGraph.EMBEDDING_MASK, OnnxTensor.createTensor(Sessions.env(),
                        FloatBuffer.wrap(new float[positions]), new long[] {1, positions, 1}));
    }
}
