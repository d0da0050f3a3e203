package com.mysticanvas.llm.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads llama.cpp once per process: unpacks the bundled libraries ({@link NativeBundle}), opens them,
 * installs the log callback, registers ggml's backends from that folder and initialises llama.
 *
 * <p>Order matters (facts, ffm-llama-ggml.md): the log callback first (so nothing goes to stderr unfiltered),
 * then {@code ggml_backend_load_all_from_path(dir)} (without the folder ggml looks next to the {@code java}
 * binary, finds no backend and every model load fails), then {@code llama_backend_init()}.
 */
public final class LlamaRuntime {
    /** System property naming a folder that already holds the libraries (skips unpacking; for development). */
    public static final String DIR_PROPERTY = "mysticanvas.llama.dir";
    /** System property overriding the cache root (default {@code $XDG_CACHE_HOME} or {@code ~/.cache}, then {@code /mysticanvas}). */
    public static final String CACHE_PROPERTY = "mysticanvas.cache.dir";

    private static final Logger LOG = LoggerFactory.getLogger(LlamaRuntime.class);
    private static volatile Loaded loaded;

    /** What was loaded, from where. */
    public record Loaded(Path dir, NativeBundle bundle, SymbolLookup symbols, String llamaVersion) {}

    private LlamaRuntime() {}

    /** Loads the libraries if not done yet; safe to call from any platform thread, any number of times. */
    public static synchronized Loaded load() {
        if (loaded == null) {
            loaded = doLoad();
        }
        return loaded;
    }

    /** Address of a function exported by libllama or libggml; loads them first if needed. */
    static MemorySegment symbol(String name) {
        return load().symbols().find(name)
                .orElseThrow(() -> new IllegalStateException("llama.cpp library has no symbol " + name
                        + " (bundled version does not match these bindings?)"));
    }

    /** The cache root: {@value #CACHE_PROPERTY}, else {@code $XDG_CACHE_HOME/mysticanvas}, else {@code ~/.cache/mysticanvas}. */
    public static Path cacheRoot() {
        String override = System.getProperty(CACHE_PROPERTY);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("mysticanvas");
    }

    private static Loaded doLoad() {
        NativeBundle bundle = NativeBundle.fromClassPath();
        Path dir = Optional.ofNullable(System.getProperty(DIR_PROPERTY)).filter(s -> !s.isBlank()).map(Path::of)
                .orElseGet(() -> bundle.unpack(cacheRoot()));
        Path llama = bundle.library(dir, "libllama.");
        Path ggml = bundle.library(dir, "libggml.");
        if (!Files.isRegularFile(llama)) {
            throw new IllegalStateException("llama.cpp library not found: " + llama);
        }
        // dlopen with RTLD_LOCAL; the libraries find each other through their RUNPATH $ORIGIN.
        SymbolLookup symbols = SymbolLookup.libraryLookup(llama, Arena.global())
                .or(SymbolLookup.libraryLookup(ggml, Arena.global()));
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle logSet = linker.downcallHandle(find(symbols, "llama_log_set"),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            logSet.invokeExact(LlamaLog.callbackStub(), MemorySegment.NULL);
            MethodHandle loadAll = linker.downcallHandle(find(symbols, "ggml_backend_load_all_from_path"),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
            loadAll.invokeExact(arena.allocateFrom(dir.toString()));
            MethodHandle init = linker.downcallHandle(find(symbols, "llama_backend_init"), FunctionDescriptor.ofVoid());
            init.invokeExact();
            MethodHandle version = linker.downcallHandle(find(symbols, "llama_version"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS));
            // Not through Llama: its static initialiser calls load() again, on this thread, before we are done.
            MemorySegment versionText = (MemorySegment) version.invokeExact();
            String v = versionText.reinterpret(Long.MAX_VALUE).getString(0);
            LOG.info("llama.cpp {} ({} {}, {}) loaded from {}", v, bundle.npmPackage(), bundle.version(),
                    bundle.llamaCppRelease(), dir);
            return new Loaded(dir, bundle, symbols, v);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot initialise llama.cpp from " + dir + ": " + t.getMessage(), t);
        }
    }

    private static MemorySegment find(SymbolLookup symbols, String name) {
        return symbols.find(name).orElseThrow(() -> new IllegalStateException("missing symbol " + name));
    }
}
