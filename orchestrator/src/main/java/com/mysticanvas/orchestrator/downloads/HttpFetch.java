package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * GET requests for the model sources: redirects followed by hand (the Hub sends files to a CDN host), the
 * source's token sent only to the host it belongs to (never to the host a redirect leads to), and the
 * sources' answers read as JSON with their errors turned into ones that say what to do.
 */
final class HttpFetch {
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REDIRECTS = 10;

    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(15))
            .build();
    /** The Authorization header for a URL's host (the Hub's, civitai's), or null. */
    private final Function<URI, String> authorization;

    HttpFetch(Function<URI, String> authorization) {
        this.authorization = authorization;
    }

    /** GET {@code url} (following redirects), the body left to read; any status comes back. */
    HttpResponse<InputStream> get(URI url, Map<String, String> headers) throws IOException, InterruptedException {
        return get(url, headers, Duration.ofSeconds(60));
    }

    /** The same, with {@code headerTimeout} to wait for each answer's headers (a server that never answers). */
    HttpResponse<InputStream> get(URI url, Map<String, String> headers, Duration headerTimeout)
            throws IOException, InterruptedException {
        URI at = url;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(at).GET().timeout(headerTimeout)
                    .header("User-Agent", "MystiCanvas");
            headers.forEach(request::header);
            String auth = authorization.apply(at);
            if (auth != null) {
                request.header("Authorization", auth);
            }
            HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (!REDIRECTS.contains(response.statusCode())) {
                return response;
            }
            response.body().close();
            String location = response.headers().firstValue("location")
                    .orElseThrow(() -> new IOException(response.statusCode() + " without a Location from " + response.uri()));
            if (hop == MAX_REDIRECTS) {
                throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + url);
            }
            at = at.resolve(location);
        }
    }

    /** A source's JSON answer; 401/403/404 and the rest become errors naming {@code what}. */
    JsonNode json(URI url, String what, String tokenHint) {
        return jsonWithHeaders(url, what, tokenHint, 32 << 20).body();
    }

    /** A source's JSON answer with its headers (a paged listing's {@code Link}). */
    record JsonAnswer(JsonNode body, java.net.http.HttpHeaders headers) {}

    /** As {@link #json}, the answer's headers kept, at most {@code maxBytes} of body read. */
    JsonAnswer jsonWithHeaders(URI url, String what, String tokenHint, int maxBytes) {
        try {
            HttpResponse<InputStream> response = get(url, Map.of("Accept", "application/json"));
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8);
            }
            int status = response.statusCode();
            if (status == 401 || status == 403) {
                // a 400, not a 401: the studio reads a 401 as its own sign-in
                throw Problem.badInput("source_forbidden", what + " needs a token (gated or private): " + tokenHint);
            }
            if (status == 404) {
                throw Problem.notFound(what + " not found (" + url + ")");
            }
            if (status / 100 != 2) {
                throw Problem.unavailable("source_unavailable", what + ": " + url.getHost() + " answered " + status);
            }
            return new JsonAnswer(Json.parse(body), response.headers());
        } catch (IOException e) {
            throw Problem.unavailable("source_unreachable", "cannot reach " + url.getHost() + " for " + what + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("source_unreachable", "interrupted while asking " + url.getHost());
        }
    }
}
