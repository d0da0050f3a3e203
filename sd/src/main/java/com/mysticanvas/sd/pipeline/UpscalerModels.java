package com.mysticanvas.sd.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Function;

/**
 * The upscaler model last used, kept loaded for the next image (hires fix uses the same one for every image of a
 * batch), loaded again when another is asked for or its file changed. Used from the engine thread only.
 */
public final class UpscalerModels implements AutoCloseable {
    private final Function<String, Path> files;
    private final int threads;
    private UpscalerModel loaded;
    private Path loadedFile;
    private FileTime loadedModified;

    /** @param files resolves a request's model name to its file (throwing a 4xx for a bad or unknown name) */
    public UpscalerModels(Function<String, Path> files, int threads) {
        this.files = files;
        this.threads = threads;
    }

    /** Checks that a model of this name exists (a 4xx otherwise), before work that would need it later. */
    public void check(UpscaleMethod method) {
        if (method instanceof UpscaleMethod.Model m) {
            files.apply(m.name());
        }
    }

    private UpscalerModel get(String name) throws IOException {
        Path file = files.apply(name);
        FileTime modified = Files.getLastModifiedTime(file);
        if (loaded != null && file.equals(loadedFile) && modified.equals(loadedModified)) {
            return loaded;
        }
        close();
        loaded = UpscalerModel.load(file, threads);
        loadedFile = file;
        loadedModified = modified;
        return loaded;
    }

    /** The image brought to {@code width x height} by {@code method}, as A1111's {@code images.resize_image} upscales. */
    public RgbImage upscale(UpscaleMethod method, RgbImage image, int width, int height,
                            UpscalerModel.TileProgress progress) throws IOException, ai.onnxruntime.OrtException {
        return switch (method) {
            case Upscaler u when u.latent() -> throw com.mysticanvas.core.Problem.badInput(
                    "'" + u.a1111Name() + "' upscales latents, in hires fix only; for images use Lanczos, Nearest or a model");
            case Upscaler u -> u.resizeImage(image, width, height);
            case UpscaleMethod.Model m -> get(m.name()).upscaleTo(image, width, height, progress);
        };
    }

    @Override
    public void close() {
        if (loaded != null) {
            loaded.close();
            loaded = null;
            loadedFile = null;
        }
    }
}
