package com.mysticanvas.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseReaderTest {
    private static List<SseReader.Event> read(String stream) throws Exception {
        List<SseReader.Event> events = new ArrayList<>();
        try (SseReader r = new SseReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)))) {
            for (SseReader.Event e = r.next(); e != null; e = r.next()) {
                events.add(e);
            }
        }
        return events;
    }

    @Test
    void eventsAsTheSpecParsesThem() throws Exception {
        assertThat(read("event: progress\ndata: {\"a\":1}\n\ndata:x\ndata: y\nid: 3\n\n: keep-alive\n\n\n\ndata: [DONE]\n\ndata: cut off"))
                .containsExactly(new SseReader.Event("progress", "{\"a\":1}"), new SseReader.Event("message", "x\ny"),
                        new SseReader.Event(null, "keep-alive"), new SseReader.Event("message", "[DONE]"));
        assertThat(read(": hi\n\n").getFirst().isComment()).isTrue();
        assertThat(read("event: lonely\n\ndata: after\n\n")).containsExactly(new SseReader.Event("message", "after"));
    }

    @Test
    void whatTheWriterWritesTheReaderReads() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseWriter w = new SseWriter(out);
        w.send("image", "{\"id\":1}");
        w.data("two\nlines");
        w.keepAlive();
        w.error(Problem.busy("8 jobs wait"), Json.object().put("job", "job-1"));
        List<SseReader.Event> events = read(out.toString(StandardCharsets.UTF_8));
        assertThat(events).hasSize(4);
        assertThat(events.get(0)).isEqualTo(new SseReader.Event("image", "{\"id\":1}"));
        assertThat(events.get(1).data()).isEqualTo("two\nlines");
        assertThat(events.get(2).isComment()).isTrue();
        assertThat(events.get(3).name()).isEqualTo("error");
        var error = Json.parse(events.get(3).data());
        assertThat(error.path("error").path("code").asText()).isEqualTo("queue_full");
        assertThat(error.path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.path("job").asText()).isEqualTo("job-1");
    }
}
