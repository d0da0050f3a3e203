package com.mysticanvas.llm.api;

import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.llm.gguf.GgufFormatException;
import com.mysticanvas.llm.gguf.GgufInfo;
import com.mysticanvas.llm.gguf.GgufReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The GGUF files of {@code models/llm}, listed with their header facts (re-read only when a file changes), and
 * resolved from a request's model name by the models folder's one naming rule ({@link ModelFolders}).
 */
final class ModelFiles {
    /** A file of the folder: its header facts, or why it cannot be read. */
    record Entry(String name, long size, FileTime modified, GgufInfo info, String error) {}

    private record Cached(long size, FileTime modified, Entry entry) {}

    private final ModelFolders folders;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    ModelFiles(ModelFolders folders) {
        this.folders = folders;
    }

    Path folder() {
        return folders.folder(ModelFolders.Kind.LLM);
    }

    /** Every {@code *.gguf} in the folder, sorted by name. */
    List<Entry> list() {
        List<Entry> entries = new ArrayList<>();
        folders.named(ModelFolders.Kind.LLM).forEach((name, p) -> entries.add(entry(p, name)));
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

    /** The file a request's {@code model} names. */
    Path resolve(String name) {
        return folders.resolve(ModelFolders.Kind.LLM, name);
    }

    /** The same, with the name the model is listed by ({@code tiny} is {@code tiny.gguf}): the name it loads as. */
    ModelFolders.Named find(String name) {
        return folders.find(ModelFolders.Kind.LLM, name);
    }
}
