package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Weights read in place from a safetensors file: each tensor becomes an ONNX initializer with external data
 * pointing at its bytes inside the file (location = the file's name, so the session must be told the file's
 * folder), followed by a Cast to f32 when stored as f16/bf16 (on CPU f32 math is the fast path). Shapes are
 * checked against what the builder expects; a 1x1 convolution stored as a plain matrix (some VAE files do that)
 * is reshaped.
 * <p>
 * By default ORT folds the Cast at load: the weight then lives in memory as f32 (4 bytes), prepacked or reordered
 * for the fastest kernels. Weights {@code keptNarrow} selects stay in their stored 16-bit form instead, mapped
 * from the file (2 bytes, file-backed), and are widened on every run: for weights that do little arithmetic per
 * run, where that costs little time.
 */
public final class CheckpointWeights implements Weights {
    private final SafeTensors file;
    private final String prefix;
    private final Predicate<String> keptNarrow;
    private final Map<String, String> values = new HashMap<>();

    /** Every weight widened once, at load. */
    public CheckpointWeights(SafeTensors file, String prefix) {
        this(file, prefix, name -> false);
    }

    /** @param keptNarrow names (without the prefix) of the weights to keep as stored and widen on every run */
    public CheckpointWeights(SafeTensors file, String prefix, Predicate<String> keptNarrow) {
        this.file = file;
        this.prefix = prefix;
        this.keptNarrow = keptNarrow;
    }

    @Override
    public String weight(OnnxGraph graph, String name, long... shape) {
        String key = prefix + name;
        String cached = values.get(key);
        if (cached != null) {
            return cached;
        }
        TensorInfo t = file.tensor(key);
        boolean sameShape = Arrays.equals(t.shape(), shape);
        if (!sameShape && !(t.elements() == TensorInfo.elements(shape) && squeezed(t.shape()).equals(squeezed(shape)))) {
            throw new ModelFileException(file.fileName(), "tensor '" + key + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        if (!t.dtype().isWeight()) {
            throw new ModelFileException(file.fileName(), "tensor '" + key + "' has dtype " + t.dtype() + ", expected F32, F16 or BF16");
        }
        if (keptNarrow.test(name)) {
            graph.externalInitializerInput(key, onnxType(t.dtype()), t.shape(), file.fileName(), t.offset(), t.length());
        } else {
            graph.externalInitializer(key, onnxType(t.dtype()), t.shape(), file.fileName(), t.offset(), t.length());
        }
        String value = t.dtype() == DType.F32 ? key : graph.op("Cast", key, Attr.i("to", OnnxGraph.FLOAT));
        if (!sameShape) {
            value = graph.op("Reshape", value, graph.longs(shape));
        }
        values.put(key, value);
        return value;
    }

    public static int onnxType(DType dtype) {
        return switch (dtype) {
            case F32 -> OnnxGraph.FLOAT;
            case F16 -> OnnxGraph.FLOAT16;
            case BF16 -> OnnxGraph.BFLOAT16;
            default -> throw new IllegalArgumentException("not a weight type: " + dtype);
        };
    }

    private static String squeezed(long[] shape) {
        return Arrays.toString(Arrays.stream(shape).filter(d -> d != 1).toArray());
    }
}
