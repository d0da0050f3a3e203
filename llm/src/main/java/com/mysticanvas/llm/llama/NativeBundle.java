package com.mysticanvas.llm.llama;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The llama.cpp + ggml shared libraries bundled in this jar by the build (from the npm package
 * {@code @node-llama-cpp/<backend>}), and their unpacking into a per-version cache folder.
 *
 * <p>The folder is {@code <cacheRoot>/llama/<version>-<backend>/}. It is filled in a private temporary
 * folder and renamed into place only when complete, so processes starting at the same time never see
 * half a library and never share a file that is still being written.
 */
public record NativeBundle(String npmPackage, String version, String backend, String llamaCppRelease,
                           List<NativeFile> files) {
    static final String RESOURCE_DIR = "/com/mysticanvas/llm/natives/";

    /** One bundled library and its size in bytes (checked against the unpacked copy). */
    public record NativeFile(String name, long size) {}

    /** Reads the index the build wrote next to the libraries. */
    public static NativeBundle fromClassPath() {
        Properties p = new Properties();
        try (InputStream in = NativeBundle.class.getResourceAsStream(RESOURCE_DIR + "llama-natives.properties")) {
            if (in == null) {
                throw new IllegalStateException("this build has no llama.cpp libraries bundled "
                        + "(resource " + RESOURCE_DIR + "llama-natives.properties is missing); rebuild the llm module");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled llama.cpp index", e);
        }
        List<NativeFile> files = new ArrayList<>();
        for (String entry : p.getProperty("files", "").split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon > 0) {
                files.add(new NativeFile(entry.substring(0, colon), Long.parseLong(entry.substring(colon + 1))));
            }
        }
        return new NativeBundle(p.getProperty("package"), p.getProperty("version"), p.getProperty("backend"),
                p.getProperty("llamacpp", "unknown"), List.copyOf(files));
    }

    /** The library whose name starts with {@code prefix} (e.g. {@code libllama.}), as unpacked in {@code dir}. */
    public Path library(Path dir, String prefix) {
        return files.stream().map(NativeFile::name).filter(n -> n.startsWith(prefix)).findFirst()
                .map(dir::resolve)
                .orElseThrow(() -> new IllegalStateException("no " + prefix + "* among the bundled libraries " + files));
    }

    /** Unpacks once into {@code cacheRoot/llama/<version>-<backend>/} and returns that folder. */
    public Path unpack(Path cacheRoot) {
        Path parent = cacheRoot.resolve("llama");
        Path target = parent.resolve(version + "-" + backend);
        if (isComplete(target)) {
            return target;
        }
        try {
            Files.createDirectories(parent);
            Path temp = Files.createTempDirectory(parent, ".unpack-");
            try {
                for (NativeFile f : files) {
                    try (InputStream in = NativeBundle.class.getResourceAsStream(RESOURCE_DIR + f.name())) {
                        if (in == null) {
                            throw new IllegalStateException("bundled library " + f.name() + " is missing from the jar");
                        }
                        Files.copy(in, temp.resolve(f.name()));
                    }
                }
                if (Files.exists(target)) {
                    // Damaged (wrong sizes): move it aside first; a process using it keeps its mapped files.
                    Files.move(target, parent.resolve(".stale-" + ProcessHandle.current().pid() + "-" + System.nanoTime()),
                            StandardCopyOption.ATOMIC_MOVE);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                // Another process finished first; its copy is as good as ours.
                if (!isComplete(target)) {
                    throw e;
                }
            } finally {
                deleteTree(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the llama.cpp libraries into " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    private boolean isComplete(Path dir) {
        for (NativeFile f : files) {
            try {
                if (Files.size(dir.resolve(f.name())) != f.size()) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return !files.isEmpty();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
