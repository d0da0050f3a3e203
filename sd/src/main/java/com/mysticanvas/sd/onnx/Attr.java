package com.mysticanvas.sd.onnx;

/** A node attribute (ONNX AttributeProto): int, float, string or ints. */
public record Attr(String name, int type, long i, float f, String s, long[] ints) {
    private static final int FLOAT = 1;
    private static final int INT = 2;
    private static final int STRING = 3;
    private static final int INTS = 7;

    public static Attr i(String name, long value) {
        return new Attr(name, INT, value, 0, null, null);
    }

    public static Attr f(String name, float value) {
        return new Attr(name, FLOAT, 0, value, null, null);
    }

    public static Attr s(String name, String value) {
        return new Attr(name, STRING, 0, 0, value, null);
    }

    public static Attr ints(String name, long... values) {
        return new Attr(name, INTS, 0, 0, null, values);
    }

    ProtoWriter encode() {
        ProtoWriter w = new ProtoWriter().string(1, name).varint(20, type);
        switch (type) {
            case FLOAT -> w.floatField(2, f);
            case INT -> w.varint(3, i);
            case STRING -> w.string(4, s);
            case INTS -> {
                for (long v : ints) {
                    w.varint(8, v); // AttributeProto.ints is not packed in onnx.proto (proto2 syntax)
                }
            }
            default -> throw new IllegalStateException("attribute type " + type);
        }
        return w;
    }
}
