package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.sd.image.LatentPreview;
import com.mysticanvas.sd.model.Family;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Live previews as A1111 makes them: with TAESD when {@code models/sd/vae-approx/} has the family's decoder
 * ({@code taesdxl_decoder} for SDXL, {@code taesd_decoder} for the others), else the cheap linear projection
 * ({@link LatentPreview}). A decoder is built once per file version; one that does not load is reported once and the
 * projection stands in.
 */
public final class PreviewDecoders {
    static final PreviewDecoders NONE = new PreviewDecoders(List::of, 1);

    private record Loaded(Path file, long modified, TaesdDecoder decoder) {}

    private final Supplier<List<Path>> files;
    private final int threads;
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();

    /** @param files the decoders there are now ({@code models/sd/vae-approx}), looked at on each preview */
    public PreviewDecoders(Supplier<List<Path>> files, int threads) {
        this.files = files;
        this.threads = threads;
    }

    /** The preview PNG of latent 0 of a [N,4,h,w] tensor for a model of {@code family}. */
    public byte[] png(Family family, float[] latent, int latentWidth, int latentHeight) {
        TaesdDecoder decoder = decoder(family);
        if (decoder != null) {
            try {
                return decoder.png(latent, 0, latentWidth, latentHeight);
            } catch (Exception e) {
                System.err.println("TAESD preview failed, using the linear one: " + e.getMessage());
            }
        }
        return LatentPreview.png(latent, 0, latentWidth, latentHeight);
    }

    private TaesdDecoder decoder(Family family) {
        String wanted = family == Family.SDXL || family == Family.SDXL_REFINER ? "taesdxl_decoder" : "taesd_decoder";
        Path file = files.get().stream().filter(p -> ModelFolders.stem(p.getFileName().toString()).toLowerCase(Locale.ROOT)
                .equals(wanted)).findFirst().orElse(null);
        if (file == null) {
            return null;
        }
        long modified;
        try {
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return null;
        }
        Loaded l = loaded.get(wanted);
        if (l != null && l.file().equals(file) && l.modified() == modified) {
            return l.decoder();
        }
        TaesdDecoder decoder = null;
        try {
            decoder = TaesdDecoder.load(file, threads);
        } catch (IOException | RuntimeException e) {
            System.err.println(file.getFileName() + " does not load, previews use the linear projection: " + e.getMessage());
        }
        Loaded old = loaded.put(wanted, new Loaded(file, modified, decoder));
        if (old != null && old.decoder() != null) {
            old.decoder().close();
        }
        return decoder;
    }
}
