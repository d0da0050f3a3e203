package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.models.ModelFolders;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face Hub's public API, at {@code HF_ENDPOINT} (huggingface.co unless a mirror stands in): a repo's
 * revision and file listing ({@code /api/models/{repo}/revision/{rev}}, {@code /tree/{rev}} with LFS oids and sizes),
 * model search, and file URLs ({@code /{repo}/resolve/{commit}/{path}}, pinned to the commit so every shard and
 * every resumed range comes from the same one).
 */
final class HubApi {
    private static final Pattern NEXT_PAGE = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");
    private static final String TOKEN_HINT = "set HF_TOKEN to a Hugging Face token that can read it (and accept the "
            + "model's licence on its page)";

    private final HttpFetch http;
    private final URI endpoint;

    HubApi(HttpFetch http, URI endpoint) {
        this.http = http;
        this.endpoint = endpoint;
    }

    /** The files a Hub source stands for, and the folder they go to. */
    DownloadPlan plan(ModelSource.HuggingFace source, ModelFolders.Kind requested) {
        String commit = commit(source);
        List<HubFiles.Entry> listing = tree(source.repo(), commit);
        List<HubFiles.Entry> chosen;
        if (source.file() == null) {
            if (requested != null && requested != ModelFolders.Kind.LLM) {
                throw Problem.badInput("a " + requested.title() + " from the Hub needs its file named: hf.co/"
                        + source.repo() + "/{file}");
            }
            chosen = HubFiles.choose(listing, source.tag(), source.repo());
        } else {
            chosen = HubFiles.named(listing, source.file(), source.repo() + " at " + source.revision());
        }
        ModelFolders.Kind kind = SourceKinds.forFile(chosen.getFirst().fileName(), requested);
        List<RemoteFile> files = new ArrayList<>();
        for (HubFiles.Entry e : chosen) {
            files.add(new RemoteFile(e.fileName(), fileUrl(source.repo(), commit, e.path()), e.size(), e.sha256()));
        }
        return new DownloadPlan(source.text(), kind, files.getFirst().name(), commit, files);
    }

    /** The commit a branch or tag points at now; the revision itself when the endpoint does not say. */
    private String commit(ModelSource.HuggingFace source) {
        JsonNode info = http.json(endpoint.resolve("/api/models/" + source.repo() + "/revision/" + enc(source.revision())),
                "Hugging Face repository " + source.repo(), TOKEN_HINT);
        String sha = info.path("sha").asText("");
        return sha.matches("[0-9a-f]{40}") ? sha : source.revision();
    }

    /** Every file of the repo at {@code revision}, following the listing's pages. */
    List<HubFiles.Entry> tree(String repo, String revision) {
        List<HubFiles.Entry> out = new ArrayList<>();
        URI page = endpoint.resolve("/api/models/" + repo + "/tree/" + enc(revision) + "?recursive=true");
        for (int pages = 0; page != null && pages < 100; pages++) {
            HttpFetch.JsonAnswer answer = http.jsonWithHeaders(page, "the file list of " + repo, TOKEN_HINT, 64 << 20);
            JsonNode files = answer.body();
            Matcher link = NEXT_PAGE.matcher(answer.headers().firstValue("link").orElse(""));
            URI next = link.find() ? page.resolve(link.group(1)) : null;
            for (JsonNode f : files) {
                if (f.path("type").asText().equals("file")) {
                    JsonNode lfs = f.path("lfs");
                    String oid = lfs.path("oid").asText(null);
                    out.add(new HubFiles.Entry(f.path("path").asText(), lfs.path("size").asLong(f.path("size").asLong(-1)),
                            oid != null && oid.matches("[0-9a-f]{64}") ? oid : null));
                }
            }
            page = next;
        }
        return out;
    }

    /** Search results as the Models view lists them. */
    ArrayNode search(String query, boolean ggufOnly, int limit) {
        StringBuilder q = new StringBuilder("/api/models?search=").append(enc(query == null ? "" : query))
                .append("&limit=").append(Math.clamp(limit, 1, 100)).append("&sort=downloads");
        if (ggufOnly) {
            q.append("&filter=gguf");
        }
        JsonNode found = http.json(endpoint.resolve(q.toString()), "the Hub's search", TOKEN_HINT);
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (JsonNode m : found) {
            ObjectNode row = out.addObject();
            row.put("id", m.path("id").asText(m.path("modelId").asText()));
            row.put("downloads", m.path("downloads").asLong(0));
            row.put("likes", m.path("likes").asLong(0));
            row.put("gguf", m.path("tags").toString().contains("\"gguf\""));
            row.put("source", "hf.co/" + row.path("id").asText());
        }
        return out;
    }

    /** A repo's GGUF quantisations with their sizes, and its single-file models, for the picker. */
    record Choices(List<Map<String, Object>> quants, List<HubFiles.Entry> singleFiles) {}

    Choices choices(String repo, String revision) {
        List<HubFiles.Entry> listing = tree(repo, revision);
        return new Choices(HubFiles.quants(listing), HubFiles.singleFiles(listing));
    }

    private URI fileUrl(String repo, String revision, String path) {
        StringBuilder p = new StringBuilder("/" + repo + "/resolve/" + enc(revision) + "/");
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length; i++) {
            p.append(i > 0 ? "/" : "").append(enc(parts[i]));
        }
        return endpoint.resolve(p.toString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
