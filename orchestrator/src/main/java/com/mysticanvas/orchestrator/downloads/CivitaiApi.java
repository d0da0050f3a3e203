package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * civitai's public API, at {@code CIVITAI_ENDPOINT} (civitai.com unless something stands in): a model
 * ({@code /api/v1/models/{id}}, its newest version) or one version ({@code /api/v1/model-versions/{id}}), the
 * version's primary file with its SHA-256, and the folder its model type goes to.
 */
final class CivitaiApi {
    private static final String TOKEN_HINT = "set CIVITAI_TOKEN to a civitai API key (civitai.com, Account settings)";

    private final HttpFetch http;
    private final URI endpoint;

    CivitaiApi(HttpFetch http, URI endpoint) {
        this.http = http;
        this.endpoint = endpoint;
    }

    DownloadPlan plan(ModelSource.Civitai source, ModelFolders.Kind requested) {
        JsonNode version;
        String type;
        if (source.versionId() != null) {
            version = http.json(endpoint.resolve("/api/v1/model-versions/" + source.versionId()),
                    "civitai model version " + source.versionId(), TOKEN_HINT);
            type = version.path("model").path("type").asText(null);
            if (source.modelId() != null && version.path("modelId").asLong(source.modelId()) != source.modelId()) {
                throw Problem.badInput("civitai version " + source.versionId() + " is not a version of model " + source.modelId());
            }
        } else {
            JsonNode model = http.json(endpoint.resolve("/api/v1/models/" + source.modelId()), "civitai model " + source.modelId(), TOKEN_HINT);
            JsonNode versions = model.path("modelVersions");
            if (!versions.isArray() || versions.isEmpty()) {
                throw Problem.notFound("civitai model " + source.modelId() + " has no published version");
            }
            version = versions.get(0); // civitai lists the newest first
            type = model.path("type").asText(null);
        }
        JsonNode file = primaryFile(version.path("files"), source);
        String name = file.path("name").asText("");
        if (name.isBlank() || ModelFolders.isPathLike(name)) {
            throw Problem.badInput("civitai gives the file an unusable name: '" + name + "'");
        }
        ModelFolders.Kind kind = requested != null ? requested : SourceKinds.forCivitaiType(type);
        if (kind == null) {
            throw Problem.badInput("civitai model type '" + type + "' has no folder here; pass 'kind' to choose one");
        }
        kind = SourceKinds.forFile(name, kind);
        String sha = file.path("hashes").path("SHA256").asText(null);
        URI url = URI.create(file.path("downloadUrl").asText(endpoint.resolve("/api/download/models/" + version.path("id").asLong()).toString()));
        RemoteFile remote = new RemoteFile(name, url, -1, sha == null ? null : sha.toLowerCase(Locale.ROOT));
        String versionId = version.path("id").asText("");
        return new DownloadPlan(source.text(), kind, name, "version " + versionId, List.of(remote));
    }

    /** The version's primary model file (the one civitai's download button gives). */
    private static JsonNode primaryFile(JsonNode files, ModelSource.Civitai source) {
        JsonNode first = null;
        for (JsonNode f : files) {
            if (f.path("primary").asBoolean(false)) {
                return f;
            }
            if (first == null && f.path("type").asText("Model").equals("Model")) {
                first = f;
            }
        }
        if (first == null) {
            throw Problem.notFound(source.text() + " has no model file");
        }
        return first;
    }
}
