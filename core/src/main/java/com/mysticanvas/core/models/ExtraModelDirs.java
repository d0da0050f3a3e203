package com.mysticanvas.core.models;

import com.mysticanvas.core.models.ModelFolders.Kind;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Other tools' model folders, read by their own layouts so users need not copy or move anything: A1111 / Forge
 * ({@code models/Stable-diffusion}, {@code Lora}, {@code VAE}, {@code ESRGAN}, {@code embeddings}), ComfyUI
 * ({@code models/checkpoints}, {@code loras}, {@code vae}, {@code upscale_models}, {@code embeddings}), and for
 * language models any GGUF a few folders down (LM Studio's {@code publisher/repo/}, the Hugging Face cache's
 * {@code models--org--repo/snapshots/{commit}/}, a plain folder). Each may be given as the tool's folder or its
 * {@code models} folder. Read only: nothing is written there.
 */
final class ExtraModelDirs {
    /** Folder names each kind has in the tools' layouts (A1111 / Forge first, then ComfyUI). */
    private static final Map<Kind, List<String>> SUBFOLDERS = Map.of(
            Kind.CHECKPOINT, List.of("Stable-diffusion", "checkpoints"),
            Kind.LORA, List.of("Lora", "LyCORIS", "loras"),
            Kind.VAE, List.of("VAE", "vae"),
            Kind.EMBEDDING, List.of("embeddings"),
            Kind.UPSCALER, List.of("ESRGAN", "RealESRGAN", "upscale_models"));
    /** How deep a GGUF may lie below an extra folder: HF cache's models--org--repo/snapshots/commit/sub/file. */
    private static final int GGUF_DEPTH = 5;
    /** Folders never searched for models (environments, repositories, the HF cache's content-addressed blobs). */
    private static final Set<String> SKIPPED = Set.of("venv", ".venv", "node_modules", "blobs", "__pycache__", "site-packages");
    /** How deep a tool's subfolder is searched (A1111 and ComfyUI allow subfolders of their model folders). */
    private static final int SUBFOLDER_DEPTH = 3;

    private ExtraModelDirs() {}

    /** Every model of {@code kind} in the extra folders, in folder order, each folder's files sorted by path. */
    static List<Path> list(List<Path> extras, Kind kind) {
        List<Path> out = new ArrayList<>();
        for (Path dir : extras) {
            for (Path folder : folders(dir, kind)) {
                out.addAll(walk(folder, kind, kind == Kind.LLM ? GGUF_DEPTH : SUBFOLDER_DEPTH));
            }
        }
        return out;
    }

    /** The first file named {@code fileName} among them, or null. */
    static Path find(List<Path> extras, Kind kind, String fileName) {
        if (extras.isEmpty()) {
            return null;
        }
        return list(extras, kind).stream().filter(p -> p.getFileName().toString().equals(fileName)).findFirst().orElse(null);
    }

    private static List<Path> folders(Path dir, Kind kind) {
        if (kind == Kind.LLM) {
            return Files.isDirectory(dir) ? List.of(dir) : List.of();
        }
        List<Path> out = new ArrayList<>();
        for (String sub : SUBFOLDERS.getOrDefault(kind, List.of())) {
            for (Path candidate : List.of(dir.resolve(sub), dir.resolve("models").resolve(sub))) {
                if (Files.isDirectory(candidate)) {
                    out.add(candidate);
                }
            }
        }
        return out;
    }

    private static List<Path> walk(Path folder, Kind kind, int depth) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(folder, EnumSet.noneOf(java.nio.file.FileVisitOption.class), depth, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    String name = d.getFileName() == null ? "" : d.getFileName().toString();
                    return !d.equals(folder) && (name.startsWith(".") || SKIPPED.contains(name))
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    // a link (the HF cache's snapshots link to its blobs) counts when it leads to a file
                    if (ModelFolders.listable(kind, f.getFileName().toString()) && Files.isRegularFile(f)) {
                        found.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // an unreadable corner of another tool's folder is not ours to fix
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        found.sort(null);
        return found;
    }
}
