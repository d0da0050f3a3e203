import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Timing one streamed answer: its first byte, and its events per second read to the end (the proxy benches). */
final class StreamTiming {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private StreamTiming() {}

    static long firstByteMicros(HttpRequest request) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            in.read();
            long t = (System.nanoTime() - start) / 1000;
            in.readAllBytes();
            return t;
        }
    }

    static double eventsPerSecond(HttpRequest request, int events) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            byte[] buf = new byte[65536];
            while (in.read(buf) >= 0) {
                // drain
            }
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }
}
