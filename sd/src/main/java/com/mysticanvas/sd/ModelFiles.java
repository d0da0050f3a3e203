package com.mysticanvas.sd;

import com.mysticanvas.core.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The SD part of the models folder: {@code sd/checkpoints}, {@code sd/loras}, {@code sd/vae}. Requests name
 * files, never paths: a name with a separator or {@code ..}, an absolute one, or a symlink leading outside its
 * folder is refused with 400, a missing file with 404.
 */
public final class ModelFiles {
    public enum Kind {
        CHECKPOINT("checkpoints"), LORA("loras"), VAE("vae");

        private final String folder;

        Kind(String folder) {
            this.folder = folder;
        }
    }

    private final Path sdRoot;

    public ModelFiles(Path modelsDir) {
        this.sdRoot = modelsDir.resolve("sd");
    }

    public Path folder(Kind kind) {
        return sdRoot.resolve(kind.folder);
    }

    /** The file a request names; {@code .safetensors} is added when the name has no extension (A1111's LoRA tags). */
    public Path resolve(Kind kind, String name) {
        if (name == null || name.isBlank()) {
            throw Problem.badInput(kind.name().toLowerCase() + " name is missing");
        }
        if (name.contains("/") || name.contains("\\") || name.contains("..") || name.indexOf('\0') >= 0
                || Path.of(name).isAbsolute() || name.length() > 255) {
            throw Problem.badInput("'" + name + "' is not a file name: models are named by file name inside models/sd/"
                    + kind.folder + ", never by path");
        }
        String file = name.contains(".") ? name : name + ".safetensors";
        Path folder = folder(kind);
        Path path = folder.resolve(file);
        if (!Files.exists(path)) {
            throw Problem.notFound("no " + kind.name().toLowerCase() + " '" + name + "' in models/sd/" + kind.folder);
        }
        try {
            if (!path.toRealPath().startsWith(folder.toRealPath())) {
                throw Problem.badInput("'" + name + "' leads outside models/sd/" + kind.folder);
            }
        } catch (IOException e) {
            throw Problem.notFound("cannot read '" + name + "': " + e.getMessage());
        }
        return path;
    }

    /** The {@code .safetensors} files of a folder, sorted by name (empty when the folder does not exist). */
    public List<Path> list(Kind kind) {
        Path folder = folder(kind);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return new ArrayList<>(files.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(Files::isRegularFile).sorted().toList());
        } catch (IOException e) {
            return List.of();
        }
    }
}
