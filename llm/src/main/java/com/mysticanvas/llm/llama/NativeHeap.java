package com.mysticanvas.llm.llama;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Gives freed native heap back to the operating system ({@code malloc_trim} of glibc). A model's context is
 * freed by llama.cpp at unload, but glibc keeps the pages for reuse; without a trim the worker's RSS stays
 * high after an unload. A no-op where the C library has no {@code malloc_trim} (musl, macOS).
 */
public final class NativeHeap {
    private static final Optional<MethodHandle> MALLOC_TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(address -> Linker.nativeLinker().downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));

    private NativeHeap() {}

    /** Returns free native heap pages to the system; true if anything was released. */
    public static boolean trim() {
        if (MALLOC_TRIM.isEmpty()) {
            return false;
        }
        try {
            return (int) MALLOC_TRIM.get().invokeExact(0L) != 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
