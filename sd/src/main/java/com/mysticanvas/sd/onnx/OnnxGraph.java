package com.mysticanvas.sd.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds an ONNX model (opset 21 plus the {@code com.microsoft} domain) as protobuf bytes, node by node.
 * Weights are not embedded: they are initializers whose data stays in an external file ({@link #externalInitializer}),
 * so the model bytes stay small however large the network.
 */
public final class OnnxGraph {
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int FLOAT16 = 10;
    public static final int BFLOAT16 = 16;
    public static final String MICROSOFT = "com.microsoft";
    private static final long IR_VERSION = 10; // pairs with opset 21
    private static final long OPSET = 21;

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private final Set<String> initializerNames = new HashSet<>();
    private int counter;

    public OnnxGraph(String name) {
        this.name = name;
    }

    /** Adds a node of the default domain with one output; returns the output's name. */
    public String op(String opType, List<String> in, Attr... attrs) {
        return op("", opType, in, 1, attrs)[0];
    }

    public String op(String opType, String in, Attr... attrs) {
        return op(opType, List.of(in), attrs);
    }

    public String op(String opType, String a, String b, Attr... attrs) {
        return op(opType, List.of(a, b), attrs);
    }

    /** Adds a node; an empty string in {@code in} is an omitted optional input. */
    public String[] op(String domain, String opType, List<String> in, int outputCount, Attr... attrs) {
        String[] out = new String[outputCount];
        String base = opType + "_" + counter++;
        for (int k = 0; k < outputCount; k++) {
            out[k] = outputCount == 1 ? base : base + "_" + k;
        }
        ProtoWriter node = new ProtoWriter();
        for (String i : in) {
            node.string(1, i);
        }
        for (String o : out) {
            node.string(2, o);
        }
        node.string(3, base).string(4, opType);
        for (Attr a : attrs) {
            node.message(5, a.encode());
        }
        if (!domain.isEmpty()) {
            node.string(7, domain);
        }
        nodes.add(node);
        return out;
    }

    /** Declares a graph input; each dimension is a Long (fixed) or a String (symbolic). */
    public String input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return name;
    }

    /** Declares {@code value} as a graph output named {@code name} (through Identity when the names differ). */
    public void output(String value, String name, int elemType, Object... dims) {
        if (!value.equals(name)) {
            ProtoWriter node = new ProtoWriter().string(1, value).string(2, name).string(3, "out_" + name).string(4, "Identity");
            nodes.add(node);
        }
        outputs.add(valueInfo(name, elemType, dims));
    }

    /** An initializer whose bytes lie in {@code location} at {@code offset}: ONNX external data, no copy into the model. */
    public void externalInitializer(String name, int dataType, long[] dims, String location, long offset, long length) {
        ProtoWriter t = new ProtoWriter().packedInt64(1, dims).varint(2, dataType).string(8, name);
        t.message(13, new ProtoWriter().string(1, "location").string(2, location));
        t.message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)));
        t.message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(length)));
        t.varint(14, 1); // data_location = EXTERNAL
        addInitializer(name, t);
    }

    /**
     * An external-data initializer that is also a graph input. ONNX Runtime treats it as a default value that a run
     * could override, so it never folds, reorders or prepacks it: it maps the bytes from the file and every run
     * reads them there. Nothing needs to feed the input.
     */
    public void externalInitializerInput(String name, int dataType, long[] dims, String location, long offset, long length) {
        externalInitializer(name, dataType, dims, location, offset, length);
        inputs.add(valueInfo(name, dataType, Arrays.stream(dims).boxed().toArray()));
    }

    /** A small f32 constant stored in the model. */
    public String constant(long[] dims, float... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return rawInitializer("c" + counter++, FLOAT, dims, raw.array());
    }

    /** A small int64 constant (shapes, axes) stored in the model. */
    public String longs(long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return rawInitializer("c" + counter++, INT64, new long[] {values.length}, raw.array());
    }

    public String scalar(float value) {
        return constant(new long[0], value);
    }

    private String rawInitializer(String name, int dataType, long[] dims, byte[] raw) {
        addInitializer(name, new ProtoWriter().packedInt64(1, dims).varint(2, dataType).string(8, name).bytes(9, raw));
        return name;
    }

    private void addInitializer(String name, ProtoWriter t) {
        if (!initializerNames.add(name)) {
            throw new IllegalArgumentException("initializer '" + name + "' declared twice");
        }
        initializers.add(t);
    }

    /** The serialised ModelProto. */
    public byte[] toModel() {
        ProtoWriter graph = new ProtoWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(v -> graph.message(11, v));
        outputs.forEach(v -> graph.message(12, v));
        return new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, "mysticanvas")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET))
                .message(8, new ProtoWriter().string(1, MICROSOFT).varint(2, 1))
                .toByteArray();
    }

    private static ProtoWriter valueInfo(String name, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            switch (d) {
                case Long v -> dim.varint(1, v);
                case Integer v -> dim.varint(1, v);
                case String s -> dim.string(2, s);
                default -> throw new IllegalArgumentException("dimension " + d);
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
