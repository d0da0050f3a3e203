package com.mysticanvas.llm.api;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.gguf.GgufFormatException;
import com.mysticanvas.llm.gguf.GgufInfo;
import com.mysticanvas.llm.gguf.GgufReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The GGUF files of {@code models/llm}: listed with their header facts, and resolved from a request's model
 * name. Names are file names inside the folder, never paths: anything else, and any symlink leading out of
 * the folder, is a 400.
 */
final class ModelFiles {
    /** A file of the folder: its header facts, or why it cannot be read. */
    record Entry(String name, long size, FileTime modified, GgufInfo info, String error) {}

    private record Cached(long size, FileTime modified, Entry entry) {}

    private final Path dir;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    ModelFiles(Path modelsDir) {
        this.dir = modelsDir.resolve("llm");
    }

    Path folder() {
        return dir;
    }

    /** Every {@code *.gguf} in the folder, sorted by name; headers are re-read only when a file changes. */
    List<Entry> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.toLowerCase(Locale.ROOT).endsWith(".gguf") && !name.startsWith(".") && Files.isRegularFile(p)) {
                    entries.add(entry(p, name));
                }
            }
        } catch (IOException e) {
            throw Problem.internal("models_unreadable", "cannot list " + dir + ": " + e.getMessage());
        }
        return entries;
    }

    private Entry entry(Path p, String name) {
        try {
            long size = Files.size(p);
            FileTime modified = Files.getLastModifiedTime(p);
            Cached c = cache.get(name);
            if (c != null && c.size() == size && c.modified().equals(modified)) {
                return c.entry();
            }
            Entry e;
            try {
                e = new Entry(name, size, modified, GgufReader.read(p), null);
            } catch (GgufFormatException bad) {
                e = new Entry(name, size, modified, null, bad.getMessage());
            }
            cache.put(name, new Cached(size, modified, e));
            return e;
        } catch (IOException e) {
            return new Entry(name, 0, FileTime.fromMillis(0), null, "unreadable: " + e.getMessage());
        }
    }

    /** The file a request's {@code model} names, after checking it is a plain name of an existing GGUF here. */
    Path resolve(String name) {
        if (name == null || name.isBlank()) {
            throw Problem.badInput("'model' is required: the file name of a GGUF in models/llm");
        }
        if (name.contains("/") || name.contains("\\") || name.startsWith(".") || name.indexOf('\0') >= 0) {
            throw Problem.badInput("'model' must be a file name in models/llm, not a path: '" + name + "'");
        }
        if (!name.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            throw Problem.badInput("'model' must name a .gguf file, got '" + name + "'");
        }
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw Problem.notFound("model '" + name + "' not found in " + dir);
        }
        try {
            if (!file.toRealPath().startsWith(dir.toRealPath())) {
                throw Problem.badInput("model '" + name + "' is a link to a file outside models/llm");
            }
        } catch (IOException e) {
            throw Problem.badInput("model '" + name + "' cannot be read: " + e.getMessage());
        }
        return file;
    }
}
