package com.mysticanvas.orchestrator.downloads;

import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import java.util.Locale;

/** Which model folder a downloaded file belongs in: what the user asked for, else what the file or source says. */
final class SourceKinds {
    private SourceKinds() {}

    /** {@code kind} of the request body ({@code llm|checkpoint|lora|vae|embedding|upscaler}), or null when absent. */
    static ModelFolders.Kind parse(String kind) {
        if (kind == null || kind.isBlank()) {
            return null;
        }
        try {
            return ModelFolders.Kind.valueOf(kind.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Problem.badInput("'kind' must be one of llm, checkpoint, lora, vae, embedding, upscaler; not '" + kind + "'");
        }
    }

    /** A GGUF is a language model; a .pth an upscaler; other files a checkpoint unless the request says otherwise. */
    static ModelFolders.Kind forFile(String fileName, ModelFolders.Kind requested) {
        ModelFolders.Kind kind = requested;
        if (kind == null) {
            String lower = fileName.toLowerCase(Locale.ROOT);
            kind = lower.endsWith(".gguf") ? ModelFolders.Kind.LLM
                    : lower.endsWith(".pth") ? ModelFolders.Kind.UPSCALER : ModelFolders.Kind.CHECKPOINT;
        }
        if (!kind.accepts(fileName)) {
            throw Problem.badInput("'" + fileName + "' cannot go into models/" + kind.folder() + ", which holds other files");
        }
        return kind;
    }

    /** civitai's model types; null for the ones MystiCanvas has no folder for (controlnets, poses, workflows...). */
    static ModelFolders.Kind forCivitaiType(String type) {
        return switch (type == null ? "" : type.toLowerCase(Locale.ROOT)) {
            case "checkpoint" -> ModelFolders.Kind.CHECKPOINT;
            case "lora", "locon", "dora", "lycoris" -> ModelFolders.Kind.LORA;
            case "textualinversion" -> ModelFolders.Kind.EMBEDDING;
            case "vae" -> ModelFolders.Kind.VAE;
            case "upscaler" -> ModelFolders.Kind.UPSCALER;
            default -> null;
        };
    }
}
