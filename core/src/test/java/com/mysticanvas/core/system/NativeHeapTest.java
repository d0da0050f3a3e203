package com.mysticanvas.core.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

/** Freed C heap memory stays resident until {@link NativeHeap#trim()} hands it back. */
class NativeHeapTest {
    private static final Linker C = Linker.nativeLinker();
    private static final MethodHandle MALLOC = C.downcallHandle(C.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = C.downcallHandle(C.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    @Test
    void trimReturnsFreedHeapPages() throws Throwable {
        assumeTrue(NativeHeap.canTrim(), "no malloc_trim in this C library");
        int blocks = 1000;
        long size = 64 * 1024; // below glibc's mmap threshold: these come from the heap
        MemorySegment[] allocated = new MemorySegment[blocks];
        for (int i = 0; i < blocks; i++) {
            allocated[i] = ((MemorySegment) MALLOC.invokeExact(size)).reinterpret(size);
            allocated[i].fill((byte) 1); // make the pages resident
        }
        for (int i = 0; i < blocks - 1; i++) { // the last block stays: free() alone cannot shrink the heap's top
            FREE.invokeExact(allocated[i]);
        }
        long before = ProcessMemory.self().orElseThrow().anonMb();
        NativeHeap.trim();
        long after = ProcessMemory.self().orElseThrow().anonMb();
        FREE.invokeExact(allocated[blocks - 1]);
        assertThat(before - after).as("MB released by trim (before %d MB, after %d MB)", before, after)
                .isGreaterThan(blocks * size / 1024 / 1024 / 2);
    }
}
