package com.mysticanvas.llm.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The {@code llama_progress_callback} of model loading: one upcall stub for the process, forwarding to
 * whichever listener the current load installed (loads never overlap: they run on the engine thread).
 */
public final class LoadProgress {
    /** Receives progress 0..1; returns false to abort the load. */
    @FunctionalInterface
    public interface Listener {
        boolean onProgress(float progress);
    }

    private static volatile Listener listener;
    private static MemorySegment stub;

    private LoadProgress() {}

    /** The stub to put in {@code llama_model_params.progress_callback}, now forwarding to {@code target}. */
    public static synchronized MemorySegment install(Listener target) {
        listener = target;
        if (stub == null) {
            try {
                var handle = MethodHandles.lookup().findStatic(LoadProgress.class, "onProgress",
                        MethodType.methodType(boolean.class, float.class, MemorySegment.class));
                stub = Linker.nativeLinker().upcallStub(handle,
                        FunctionDescriptor.of(ValueLayout.JAVA_BOOLEAN, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS),
                        Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return stub;
    }

    // Called from native code: must never throw.
    @SuppressWarnings("unused")
    private static boolean onProgress(float progress, MemorySegment userData) {
        try {
            Listener l = listener;
            return l == null || l.onProgress(progress);
        } catch (Throwable t) {
            return true;
        }
    }
}
