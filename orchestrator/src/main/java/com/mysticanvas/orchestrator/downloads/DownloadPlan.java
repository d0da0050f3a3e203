package com.mysticanvas.orchestrator.downloads;

import com.mysticanvas.core.models.ModelFolders;
import java.util.List;

/**
 * What a source resolves to: the files of one model (a GGUF's shards and its mmproj come together), the folder
 * they go to, and the model's name once there (the first file, the one a request names).
 *
 * @param revision the commit or version the files come from, kept as the model's provenance
 */
public record DownloadPlan(String source, ModelFolders.Kind kind, String model, String revision, List<RemoteFile> files) {
    public long totalBytes() {
        return files.stream().mapToLong(f -> Math.max(0, f.size())).sum();
    }
}
