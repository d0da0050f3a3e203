package com.mysticanvas.orchestrator.downloads;

import java.net.URI;
import java.util.Map;

/**
 * Where the model sources are and the tokens for them, from the environment variables their own tools use:
 * {@code HF_ENDPOINT} and {@code HF_TOKEN} (huggingface_hub's, llama.cpp's), {@code CIVITAI_ENDPOINT} and
 * {@code CIVITAI_TOKEN}. An endpoint set to a loopback server is how tests and mirrors stand in for the real sites.
 */
public record DownloadSettings(URI hubEndpoint, String hubToken, URI civitaiEndpoint, String civitaiToken,
                               FileTransfer.Options transfer) {
    public static DownloadSettings fromEnvironment(Map<String, String> env) {
        return new DownloadSettings(endpoint(env.get("HF_ENDPOINT"), "https://huggingface.co"), blankToNull(env.get("HF_TOKEN")),
                endpoint(env.get("CIVITAI_ENDPOINT"), "https://civitai.com"), blankToNull(env.get("CIVITAI_TOKEN")),
                FileTransfer.Options.DEFAULTS);
    }

    public DownloadSettings withTransfer(FileTransfer.Options options) {
        return new DownloadSettings(hubEndpoint, hubToken, civitaiEndpoint, civitaiToken, options);
    }

    /** The Authorization header for a request to {@code url}: a source's token, only on that source's own host. */
    String authorization(URI url) {
        if (hubToken != null && sameOrigin(url, hubEndpoint)) {
            return "Bearer " + hubToken;
        }
        if (civitaiToken != null && sameOrigin(url, civitaiEndpoint)) {
            return "Bearer " + civitaiToken;
        }
        return null;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b)
                && a.getScheme().equalsIgnoreCase(b.getScheme());
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static URI endpoint(String value, String fallback) {
        String s = value == null || value.isBlank() ? fallback : value.strip();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
