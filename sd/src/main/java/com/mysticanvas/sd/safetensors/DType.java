package com.mysticanvas.sd.safetensors;

/** The element types a safetensors header may name. Only F32, F16 and BF16 carry weights we compute with. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** True for the floating-point types a network weight may have. */
    public boolean isWeight() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The header spelling, or null when the name is not a type we know. */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
