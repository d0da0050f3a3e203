package com.mysticanvas.llm.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * llama.cpp's and ggml's log ({@code llama_log_set}) routed into the worker's log, filtered by {@code --log-level}.
 * Messages arrive in fragments ({@code GGML_LOG_LEVEL_CONT} continues the previous one); whole lines are logged.
 * ERROR lines can also be collected around a call (a failed model load says why only in the log).
 */
public final class LlamaLog {
    /** ggml_log_level values. */
    static final int NONE = 0, DEBUG = 1, INFO = 2, WARN = 3, ERROR = 4, CONT = 5;

    private static final Logger LOG = LoggerFactory.getLogger("llama.cpp");
    private static volatile int minLevel = INFO;
    private static final ThreadLocal<Line> PENDING = ThreadLocal.withInitial(Line::new);
    private static final ThreadLocal<List<String>> CAPTURED = new ThreadLocal<>();

    private LlamaLog() {}

    private static final class Line {
        final StringBuilder text = new StringBuilder();
        int level = INFO;
    }

    /** Sets the lowest level passed on: {@code error}, {@code warn}, {@code info} or {@code debug}. */
    public static void setLevel(String name) {
        minLevel = switch (name == null ? "info" : name.toLowerCase(Locale.ROOT)) {
            case "error" -> ERROR;
            case "warn", "warning" -> WARN;
            case "debug", "trace" -> DEBUG;
            default -> INFO;
        };
    }

    /** The upcall stub for {@code ggml_log_callback}; lives as long as the process. */
    static MemorySegment callbackStub() {
        try {
            var target = MethodHandles.lookup().findStatic(LlamaLog.class, "onMessage",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target,
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                    Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code call} and returns its result together with the ERROR lines llama.cpp logged on this thread
     * meanwhile (log callbacks arrive on the calling thread).
     */
    public static <T> Captured<T> capturingErrors(Supplier<T> call) {
        List<String> errors = new ArrayList<>();
        List<String> outer = CAPTURED.get();
        CAPTURED.set(errors);
        try {
            return new Captured<>(call.get(), List.copyOf(errors));
        } finally {
            CAPTURED.set(outer);
        }
    }

    /** A call's result and the errors logged during it. */
    public record Captured<T>(T value, List<String> errors) {
        /** The errors as one sentence, or {@code fallback} when there were none. */
        public String reason(String fallback) {
            return errors.isEmpty() ? fallback : String.join("; ", errors);
        }
    }

    // Called from native code: must never throw.
    @SuppressWarnings("unused")
    private static void onMessage(int level, MemorySegment text, MemorySegment userData) {
        try {
            Line line = PENDING.get();
            if (level != CONT) {
                if (!line.text.isEmpty()) {
                    flush(line);
                }
                line.level = level;
            }
            if (!MemorySegment.NULL.equals(text)) {
                line.text.append(text.reinterpret(Long.MAX_VALUE).getString(0));
            }
            int nl;
            while ((nl = line.text.indexOf("\n")) >= 0) {
                String complete = line.text.substring(0, nl);
                line.text.delete(0, nl + 1);
                emit(line.level, complete);
            }
        } catch (Throwable ignored) {
            // An exception escaping an upcall would kill the JVM; a lost log line is the lesser harm.
        }
    }

    private static void flush(Line line) {
        emit(line.level, line.text.toString());
        line.text.setLength(0);
    }

    private static void emit(int level, String message) {
        if (message.isBlank()) {
            return;
        }
        List<String> captured = CAPTURED.get();
        if (captured != null && level == ERROR && captured.size() < 20) {
            captured.add(message.strip());
        }
        if (level < minLevel) {
            return;
        }
        switch (level) {
            case ERROR -> LOG.error(message);
            case WARN -> LOG.warn(message);
            case DEBUG -> LOG.info("[debug] {}", message); // shown only at --log-level debug, which already filtered
            default -> LOG.info(message);
        }
    }
}
