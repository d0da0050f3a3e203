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
 * {@code models} folder. Ollama's store ({@code ~/.ollama/models}: manifests naming content-addressed blobs) lists
 * each pulled model as {@code {model}-{tag}.gguf} ({@code llama3.2-latest.gguf}; another namespace or registry
 * comes first: {@code hf.co-bartowski-Qwen3-8B-GGUF-Q4_K_M.gguf}). Read only: nothing is written there.
 */
final class ExtraModelDirs {
    /** Folder names each kind has in the tools' layouts (A1111 / Forge first, then ComfyUI). */
    private static final Map<Kind, List<String>> SUBFOLDERS = Map.of(
            Kind.CHECKPOINT, List.of("Stable-diffusion", "checkpoints"),
            Kind.LORA, List.of("Lora", "LyCORIS", "loras"),
            Kind.VAE, List.of("VAE", "vae"),
            Kind.EMBEDDING, List.of("embeddings"),
            Kind.UPSCALER, List.of("ESRGAN", "RealESRGAN", "upscale_models"),
            Kind.VAE_APPROX, List.of("VAE-approx", "vae_approx"));
    /** How deep a GGUF may lie below an extra folder: HF cache's models--org--repo/snapshots/commit/sub/file. */
    private static final int GGUF_DEPTH = 5;
    /** Folders never searched for models (environments, repositories, the HF cache's content-addressed blobs). */
    private static final Set<String> SKIPPED = Set.of("venv", ".venv", "node_modules", "blobs", "__pycache__", "site-packages");
    /** How deep a tool's subfolder is searched (A1111 and ComfyUI allow subfolders of their model folders). */
    private static final int SUBFOLDER_DEPTH = 3;

    private ExtraModelDirs() {}

    /** A model found in an extra folder and the name it is listed by (its file name, but for Ollama's blobs). */
    record Found(String name, Path path) {}

    /**
     * How long a walk of the extra folders stands: a request naming a model of them resolves it in the orchestrator
     * and in its worker, sometimes twice (Ollama's {@code model:tag}); one walk serves them all.
     */
    private static final long LISTING_TTL_NANOS = 2_000_000_000L;

    private record Listing(long madeAtNanos, List<Found> found) {}

    private static final Map<Map.Entry<List<Path>, Kind>, Listing> LISTINGS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Every model of {@code kind} in the extra folders, in folder order, each folder's files sorted by path. */
    static List<Found> list(List<Path> extras, Kind kind) {
        if (extras.isEmpty()) {
            return List.of();
        }
        Map.Entry<List<Path>, Kind> key = Map.entry(extras, kind);
        Listing cached = LISTINGS.get(key);
        long now = System.nanoTime();
        if (cached != null && now - cached.madeAtNanos() < LISTING_TTL_NANOS) {
            return cached.found();
        }
        List<Found> found = walkAll(extras, kind);
        LISTINGS.put(key, new Listing(now, found));
        return found;
    }

    private static List<Found> walkAll(List<Path> extras, Kind kind) {
        List<Found> out = new ArrayList<>();
        for (Path dir : extras) {
            if (kind == Kind.LLM && Files.isDirectory(dir.resolve("manifests")) && Files.isDirectory(dir.resolve("blobs"))) {
                out.addAll(ollama(dir));
                continue;
            }
            for (Path folder : folders(dir, kind)) {
                for (Path p : walk(folder, kind, kind == Kind.LLM ? GGUF_DEPTH : SUBFOLDER_DEPTH)) {
                    out.add(new Found(p.getFileName().toString(), p));
                }
            }
        }
        return List.copyOf(out);
    }

    /** The first model listed as {@code name} among them, or null. */
    static Path find(List<Path> extras, Kind kind, String name) {
        if (extras.isEmpty()) {
            return null;
        }
        return list(extras, kind).stream().filter(f -> f.name().equals(name)).map(Found::path).findFirst().orElse(null);
    }

    private static final String OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model";

    /** Ollama's pulled models: {@code manifests/{registry}/{namespace}/{model}/{tag}} name a GGUF blob each. */
    private static List<Found> ollama(Path store) {
        Path manifests = store.resolve("manifests");
        List<Found> out = new ArrayList<>();
        try (var files = Files.find(manifests, 4, (p, attrs) -> attrs.isRegularFile())) {
            for (Path manifest : files.sorted().toList()) {
                Path rel = manifests.relativize(manifest);
                if (rel.getNameCount() != 4) {
                    continue;
                }
                String registry = rel.getName(0).toString();
                String namespace = rel.getName(1).toString();
                String name = (registry.equals("registry.ollama.ai") ? "" : registry + "-")
                        + (namespace.equals("library") && registry.equals("registry.ollama.ai") ? "" : namespace + "-")
                        + rel.getName(2) + "-" + rel.getName(3) + ".gguf";
                try {
                    for (var layer : com.mysticanvas.core.Json.parse(Files.readString(manifest)).path("layers")) {
                        String digest = layer.path("digest").asText("");
                        if (layer.path("mediaType").asText().equals(OLLAMA_MODEL_LAYER) && digest.matches("sha256:[0-9a-f]{64}")) {
                            Path blob = store.resolve("blobs").resolve(digest.replace(':', '-'));
                            if (Files.isRegularFile(blob) && !ModelFolders.isPathLike(name)) {
                                out.add(new Found(name, blob));
                            }
                        }
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // a manifest Ollama is writing, or one of a newer format: not a model here
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
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
