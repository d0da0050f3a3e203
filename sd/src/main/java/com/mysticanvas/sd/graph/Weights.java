package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.onnx.OnnxGraph;

/**
 * Where a graph builder gets its weights: {@code weight(name, shape)} returns the value (f32) in {@code graph} holding the
 * tensor called {@code name} in the component's naming (the checkpoint key without its component prefix), after
 * checking it has the expected shape. One instance serves one graph. The builders call it for every tensor they use, in order, so recording
 * the calls gives the component's full tensor list ({@link LayoutRecorder}).
 */
public interface Weights {
    String weight(OnnxGraph graph, String name, long... shape);
}
