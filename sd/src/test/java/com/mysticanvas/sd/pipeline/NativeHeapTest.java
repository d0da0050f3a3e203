package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
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
        long before = rssAnonKb();
        NativeHeap.trim();
        long after = rssAnonKb();
        FREE.invokeExact(allocated[blocks - 1]);
        assertThat(before - after).as("kB released by trim (before %d kB, after %d kB)", before, after)
                .isGreaterThan(blocks * size / 1024 / 2);
    }

    private static long rssAnonKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no RssAnon");
    }
}
