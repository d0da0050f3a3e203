package com.mysticanvas.sd.pipeline;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Gives the C heap's free memory back to the system. ONNX Runtime frees gigabytes when it finishes building a
 * session (the f16 bytes it read, the intermediate copies of folded weights) and when a session closes, but glibc
 * keeps most of it (medium blocks in the main heap and in per-thread arenas) until {@code malloc_trim} is called:
 * without it an unloaded SD 1.5 model left 2.6 GB resident. A no-op where the C library has no {@code malloc_trim}.
 */
public final class NativeHeap {
    private static final Optional<MethodHandle> MALLOC_TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(symbol -> Linker.nativeLinker().downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));

    private NativeHeap() {}

    /** Whether this C library can trim (glibc can). */
    public static boolean canTrim() {
        return MALLOC_TRIM.isPresent();
    }

    /** Returns the heap's free pages to the system (a few milliseconds). */
    public static void trim() {
        if (MALLOC_TRIM.isPresent()) {
            try {
                int ignored = (int) MALLOC_TRIM.get().invokeExact(0L); // 1 if something was released
            } catch (Throwable e) {
                throw new IllegalStateException("malloc_trim failed", e);
            }
        }
    }
}
