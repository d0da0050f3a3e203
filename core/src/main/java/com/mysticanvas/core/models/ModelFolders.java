package com.mysticanvas.core.models;

import com.mysticanvas.core.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The models folder as every process sees it: where each kind of model file lives ({@code llm/*.gguf},
 * {@code sd/checkpoints}, {@code sd/loras}, {@code sd/vae}, {@code sd/tokenizers}), and the one rule for naming
 * them in a request: a file name inside its folder, never a path. A name that looks like a path is bad input
 * wherever it appears, even where no file is opened (a chat request's {@code model}).
 *
 * <p>Other tools' model folders ({@code --extra-model-dir}) are read too, by their own layouts
 * ({@link ExtraModelDirs}): their files are listed and named like ours (a name in our own folder wins a clash),
 * and nothing is ever written there.
 */
public record ModelFolders(Path root, List<Path> extraDirs) {
    public ModelFolders {
        extraDirs = List.copyOf(extraDirs);
    }

    public ModelFolders(Path root) {
        this(root, List.of());
    }

    /** The kinds of model file a request can name. */
    public enum Kind {
        LLM("llm", "GGUF model", ".gguf"),
        // torch's pickle files (.ckpt, .pt) are read by the SD worker's restricted reader: tensors only.
        CHECKPOINT("sd/checkpoints", "checkpoint", ".safetensors", ".ckpt"),
        LORA("sd/loras", "LoRA", ".safetensors", ".pt"),
        VAE("sd/vae", "VAE", ".safetensors", ".pt", ".ckpt"),
        /** Textual-inversion embeddings, named in prompts by their file's stem. */
        EMBEDDING("sd/embeddings", "embedding", ".safetensors", ".pt", ".bin"),
        /** Image upscaler models (ESRGAN, Real-ESRGAN, compact), named by their file's stem as A1111 lists them. */
        UPSCALER("sd/upscalers", "upscaler", ".safetensors", ".pth", ".pt"),
        /** TAESD / TAESDXL decoders for live previews ({@code taesd_decoder}, {@code taesdxl_decoder}), as A1111's VAE-approx. */
        VAE_APPROX("sd/vae-approx", "preview decoder", ".safetensors", ".pth");

        private final String folder;
        private final String extension;
        private final List<String> extensions;
        private final String title;

        Kind(String folder, String title, String... extensions) {
            this.folder = folder;
            this.extension = extensions[0];
            this.extensions = List.of(extensions);
            this.title = title;
        }

        /** True for a file name with one of this kind's extensions. */
        public boolean accepts(String fileName) {
            String lower = fileName.toLowerCase(Locale.ROOT);
            return extensions.stream().anyMatch(lower::endsWith);
        }

        /** The folder below the models folder, as users see it ({@code sd/checkpoints}). */
        public String folder() {
            return folder;
        }

        /** The extension its files usually have; a name without one gets it ({@code <lora:name:0.8>}) when such a file exists. */
        public String extension() {
            return extension;
        }

        public String title() {
            return title;
        }
    }

    /** Longest file name the rule accepts (the common file-system limit). */
    public static final int MAX_NAME_LENGTH = 255;

    public Path folder(Kind kind) {
        return root.resolve(kind.folder);
    }

    /** {@code sd/tokenizers}: CLIP vocabulary files that override the bundled ones. */
    public Path tokenizers() {
        return root.resolve("sd").resolve("tokenizers");
    }

    /** True for a name that is not a plain file name: a separator, a NUL, a leading dot, or too long. */
    public static boolean isPathLike(String name) {
        return name.contains("/") || name.contains("\\") || name.indexOf('\0') >= 0 || name.startsWith(".")
                || name.length() > MAX_NAME_LENGTH;
    }

    /** A model file's name without its extension, as A1111 names models ({@code 4x-UltraSharp}); null stays null. */
    public static String stem(String fileName) {
        if (fileName == null) {
            return null;
        }
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /** Refuses, as bad input, a model name given in {@code field} that looks like a path. Null passes. */
    public static void requirePlainName(String field, String name) {
        if (name != null && isPathLike(name)) {
            throw Problem.badInput("'" + field + "' must be a model's file name, not a path: '" + name + "'");
        }
    }

    /**
     * The file of {@code kind} that {@code name} names: a plain file name (400 otherwise), with the kind's
     * extension (added when the name has none), that exists in its folder (404 otherwise). A link in the folder is
     * followed wherever it leads (big files linked from another disk); the name itself can never be a path.
     */
    public Path resolve(Kind kind, String name) {
        return find(kind, name).path();
    }

    /** A model a request named: the name it is listed by ({@code tiny} gives {@code tiny.gguf}) and its file. */
    public record Named(String name, Path path) {}

    /** {@link #resolve}, with the name the model is listed by (what a worker reports as loaded). */
    public Named find(Kind kind, String name) {
        try {
            return findAsNamed(kind, name);
        } catch (Problem notFound) { // or "not a .gguf": llama3.2:latest has a dot
            // Ollama's clients name its models model:tag (or model, meaning model:latest), listed here as model-tag
            if (kind == Kind.LLM && !extraDirs.isEmpty() && name != null && !isPathLike(name)) {
                String listed = (name.contains(":") ? name.replace(':', '-') : name + "-latest") + kind.extension;
                Path ollama = ExtraModelDirs.find(extraDirs, kind, listed);
                if (ollama != null) {
                    return new Named(listed, ollama);
                }
            }
            throw notFound;
        }
    }

    private Named findAsNamed(Kind kind, String name) {
        String where = "models/" + kind.folder;
        if (name == null || name.isBlank()) {
            throw Problem.badInput("a " + kind.title + " is required: the file name of one in " + where);
        }
        if (isPathLike(name)) {
            throw Problem.badInput("'" + name + "' is not a file name: models are named by their file name inside "
                    + where + ", not by a path");
        }
        Path folder = folder(kind);
        String file = name;
        if (!name.contains(".")) { // the usual extension, else another this kind takes that exists
            file = name + kind.extension;
            for (String other : kind.extensions) {
                try {
                    if (Files.isRegularFile(folder.resolve(name + other))) {
                        file = name + other;
                        break;
                    }
                } catch (InvalidPathException e) {
                    break; // reported below, where the name is resolved
                }
            }
        }
        if (!kind.accepts(file) && ExtraModelDirs.find(extraDirs, kind, name + kind.extension) != null) {
            file = name + kind.extension; // a dotted name without its extension: Ollama's llama3.2-latest
        }
        if (!kind.accepts(file)) {
            throw Problem.badInput("'" + name + "' is not a " + String.join(" or ", kind.extensions) + " file; " + where
                    + " holds " + String.join(" and ", kind.extensions) + " files");
        }
        Path path;
        try {
            path = folder.resolve(file);
        } catch (InvalidPathException e) {
            // a character this system's file names cannot hold (any non-ASCII one under a C locale)
            throw Problem.badInput("'" + name + "' cannot be a file name here: " + e.getReason());
        }
        if (!Files.isRegularFile(path)) {
            Path other = ExtraModelDirs.find(extraDirs, kind, file);
            if (other != null) {
                return new Named(file, other);
            }
            throw Problem.notFound(kind.title + " '" + name + "' not found in " + where
                    + (extraDirs.isEmpty() ? "" : " or the extra model folders"));
        }
        return new Named(file, path);
    }

    /** A later shard of a split GGUF ({@code -00002-of-00003.gguf}): llama.cpp opens the set from its first. */
    private static final java.util.regex.Pattern LATER_SHARD =
            java.util.regex.Pattern.compile("(?i).*-(?!00001)\\d{5}-of-\\d{5}\\.gguf");

    /**
     * True for a file a kind's list shows as a model: for language models not a later shard of a split GGUF and not
     * a multimodal projector ({@code mmproj}), which come with their model but are no model to load alone.
     */
    public static boolean isListedModel(Kind kind, String fileName) {
        if (kind != Kind.LLM) {
            return true;
        }
        return !LATER_SHARD.matcher(fileName).matches() && !fileName.toLowerCase(Locale.ROOT).contains("mmproj");
    }

    /**
     * The models of a kind's folder (its extension, not hidden, {@link #isListedModel listed}), sorted by name; empty
     * when the folder is missing. A link is followed wherever it leads: users link big files from other disks.
     */
    public List<Path> list(Kind kind) {
        return List.copyOf(named(kind).values());
    }

    /**
     * {@link #list} with the name each model is listed and requested by: its file name, but for models of Ollama's
     * store, whose files are content-addressed blobs ({@link ExtraModelDirs}).
     */
    public java.util.SortedMap<String, Path> named(Kind kind) {
        java.util.SortedMap<String, Path> byName = new java.util.TreeMap<>();
        Path folder = folder(kind);
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(p -> listable(kind, p.getFileName().toString())).filter(Files::isRegularFile)
                        .forEach(p -> byName.put(p.getFileName().toString(), p));
            } catch (IOException e) {
                throw Problem.internal("models_unreadable", "cannot list " + folder + ": " + e.getMessage());
            }
        }
        for (ExtraModelDirs.Found f : ExtraModelDirs.list(extraDirs, kind)) {
            byName.putIfAbsent(f.name(), f.path()); // our own folder wins a clash, then the first extra
        }
        return byName;
    }

    /** A file name a kind's list shows: the kind's extension, not hidden, {@link #isListedModel listed}. */
    static boolean listable(Kind kind, String name) {
        return !name.startsWith(".") && kind.accepts(name) && isListedModel(kind, name);
    }
}
