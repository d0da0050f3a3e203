package com.mysticanvas.orchestrator.downloads;

import com.mysticanvas.core.Problem;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model comes from, as users paste it: a Hugging Face repo (Ollama's and llama.cpp's
 * {@code hf.co/{user}/{repo}[:{quant}]}, or a huggingface.co page or file URL), a civitai model or
 * version (URL, {@code civitai:ID} or {@code civitai:ID@VERSION}), or any other https URL of one file.
 */
public sealed interface ModelSource {
    /** The source as it is shown and stored, normalised ({@code hf.co/user/repo:Q4_K_M}). */
    String text();

    /**
     * A Hugging Face repository.
     *
     * @param tag  the quantisation asked for ({@code Q4_K_M}), or null: llama.cpp's default choice
     * @param file one file's path in the repo, or null: chosen from the listing
     */
    record HuggingFace(String repo, String revision, String tag, String file) implements ModelSource {
        @Override
        public String text() {
            String base = "hf.co/" + repo;
            if (file != null) {
                return base + "/" + file + (revision.equals("main") ? "" : "@" + revision);
            }
            return base + (tag != null ? ":" + tag : "") + (revision.equals("main") ? "" : "@" + revision);
        }
    }

    /** A civitai model (its newest version unless {@code versionId} names one). */
    record Civitai(Long modelId, Long versionId) implements ModelSource {
        @Override
        public String text() {
            if (modelId == null) {
                return "civitai:version:" + versionId;
            }
            return "civitai:" + modelId + (versionId != null ? "@" + versionId : "");
        }
    }

    /** One file at an https (or, for mirrors on a LAN, http) URL. */
    record DirectUrl(URI url) implements ModelSource {
        @Override
        public String text() {
            return url.toString();
        }
    }

    Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    Pattern TAG = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    Pattern CIVITAI_SHORT = Pattern.compile("civitai:(?:version:(\\d{1,12})|(\\d{1,12})(?:@(\\d{1,12}))?)");
    Pattern CIVITAI_MODEL_PATH = Pattern.compile("/models/(\\d{1,12})(?:/.*)?");
    Pattern CIVITAI_DOWNLOAD_PATH = Pattern.compile("/api/download/models/(\\d{1,12})/?");

    /** Reads what a user typed; anything else is a 400 that says which forms are understood. */
    static ModelSource parse(String input) {
        String s = input == null ? "" : input.strip();
        if (s.isEmpty()) {
            throw Problem.badInput("'source' is required: hf.co/{user}/{repo}[:{quant}], a huggingface.co or civitai.com URL, "
                    + "civitai:{model id}, or an https URL of a model file");
        }
        Matcher civitai = CIVITAI_SHORT.matcher(s);
        if (civitai.matches()) {
            return civitai.group(1) != null ? new Civitai(null, Long.parseLong(civitai.group(1)))
                    : new Civitai(Long.parseLong(civitai.group(2)), civitai.group(3) == null ? null : Long.parseLong(civitai.group(3)));
        }
        String lower = s.toLowerCase(Locale.ROOT);
        for (String prefix : new String[] {"hf.co/", "huggingface.co/"}) {
            if (lower.startsWith(prefix)) {
                return huggingFacePath(s.substring(prefix.length()), input);
            }
        }
        URI url;
        try {
            url = new URI(s);
        } catch (URISyntaxException e) {
            throw Problem.badInput("'" + input + "' is not a model source: " + e.getReason());
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || url.getHost() == null) {
            throw Problem.badInput("'" + input + "' is not a model source: use hf.co/{user}/{repo}[:{quant}], civitai:{id}, "
                    + "or an http(s) URL");
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        String path = url.getPath() == null ? "" : url.getPath();
        if (host.equals("huggingface.co") || host.equals("hf.co") || host.equals("www.huggingface.co")) {
            return huggingFacePath(path.replaceFirst("^/", ""), input);
        }
        if (host.equals("civitai.com") || host.equals("www.civitai.com")) {
            Matcher download = CIVITAI_DOWNLOAD_PATH.matcher(path);
            if (download.matches()) {
                return new Civitai(null, Long.parseLong(download.group(1)));
            }
            Matcher model = CIVITAI_MODEL_PATH.matcher(path);
            if (model.matches()) {
                String version = query(url, "modelVersionId");
                return new Civitai(Long.parseLong(model.group(1)),
                        version != null && version.matches("\\d{1,12}") ? Long.parseLong(version) : null);
            }
            throw Problem.badInput("'" + input + "' is not a civitai model page: expected civitai.com/models/{id}");
        }
        if (path.isEmpty() || path.endsWith("/")) {
            throw Problem.badInput("'" + input + "' does not name a file");
        }
        return new DirectUrl(url);
    }

    private static String query(URI url, String key) {
        if (url.getRawQuery() == null) {
            return null;
        }
        for (String pair : url.getRawQuery().split("&")) {
            if (pair.startsWith(key + "=")) {
                return pair.substring(key.length() + 1);
            }
        }
        return null;
    }

    /**
     * {@code user/repo[:tag][@rev]}, {@code user/repo/file.gguf}, and the page forms
     * {@code user/repo/(resolve|blob)/{rev}/{file}} and {@code user/repo/tree/{rev}}.
     */
    private static HuggingFace huggingFacePath(String path, String input) {
        String p = path.replaceFirst("[?#].*$", "").replaceFirst("/+$", "");
        String[] parts = p.split("/", 3);
        if (parts.length < 2) {
            throw Problem.badInput("'" + input + "' does not name a repository: expected hf.co/{user}/{repo}");
        }
        String name = parts[1];
        String revision = "main";
        int at = (parts.length == 2 ? name : parts[2]).lastIndexOf('@');
        if (at >= 0) {
            String rest = parts.length == 2 ? name : parts[2];
            revision = rest.substring(at + 1);
            if (parts.length == 2) {
                name = name.substring(0, at);
            } else {
                parts[2] = rest.substring(0, at);
            }
        }
        String tag = null;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw Problem.badInput("'" + tag + "' is not a quantisation tag (letters, digits, . _ -)");
            }
        }
        String repo = parts[0] + "/" + name;
        if (!REPO.matcher(repo).matches()) {
            throw Problem.badInput("'" + repo + "' is not a Hugging Face repository name");
        }
        String file = null;
        if (parts.length == 3) {
            String[] rest = parts[2].split("/", 3);
            if ((rest[0].equals("resolve") || rest[0].equals("blob")) && rest.length == 3) {
                revision = rest[1];
                file = rest[2];
            } else if (rest[0].equals("tree") && rest.length >= 2) {
                revision = rest[1];
            } else {
                file = parts[2];
            }
        }
        if (!revision.matches("[A-Za-z0-9._-]{1,100}")) {
            throw Problem.badInput("'" + revision + "' is not a revision (a branch, tag or commit)");
        }
        if (file != null && (file.contains("..") || file.startsWith("/") || file.contains("\\") || file.isBlank())) {
            throw Problem.badInput("'" + file + "' is not a file in the repository");
        }
        return new HuggingFace(repo, revision, tag, file);
    }
}
