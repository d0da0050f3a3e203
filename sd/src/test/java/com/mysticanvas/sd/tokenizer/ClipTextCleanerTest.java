package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The text cleaning against A1111's own: Hugging Face's CLIPTokenizer cleaning ({@code whitespace_clean(ftfy.fix_text(
 * text)).lower()}) run here with ftfy 6.3.1 from its source, on the texts of {@code a1111/ftfy-cleaning.jsonl}:
 * entities decoded until nothing changes, only with their semicolon, and not on a line that holds a '<'.
 */
class ClipTextCleanerTest {
    @Test
    void htmlEntitiesAndQuotesAreCleanedAsFtfyCleansThem() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/a1111/ftfy-cleaning.jsonl")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertThat(lines).hasSizeGreaterThan(10);
            for (String line : lines) {
                JsonNode c = Json.parse(line);
                assertThat(ClipTextCleaner.clean(c.path("text").asText())).as(c.path("text").asText())
                        .isEqualTo(c.path("cleaned").asText());
            }
        }
    }
}
