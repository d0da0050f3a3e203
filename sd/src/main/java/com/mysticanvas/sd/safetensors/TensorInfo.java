package com.mysticanvas.sd.safetensors;

import java.util.Arrays;

/**
 * One tensor as the header describes it.
 *
 * @param name   its key
 * @param dtype  element type
 * @param shape  dimensions (empty for a scalar)
 * @param offset byte offset of its data from the start of the FILE (8 + header length + data_offsets[0])
 * @param length byte length of its data
 */
public record TensorInfo(String name, DType dtype, long[] shape, long offset, long length) {
    public long elements() {
        return elements(shape);
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.offset == offset && t.length == length;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
