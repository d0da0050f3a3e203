package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link Weights} that only records what a builder asks for: run a builder with it and you get every tensor
 * name and shape of a component for a configuration (used to write synthetic checkpoints).
 */
public final class LayoutRecorder implements Weights {
    private final Map<String, long[]> tensors = new LinkedHashMap<>();

    @Override
    public String weight(OnnxGraph graph, String name, long... shape) {
        tensors.putIfAbsent(name, shape.clone());
        return "w:" + name;
    }

    public Map<String, long[]> tensors() {
        return tensors;
    }
}
