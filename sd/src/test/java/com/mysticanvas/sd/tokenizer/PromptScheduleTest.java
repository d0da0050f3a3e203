package com.mysticanvas.sd.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prompt editing and alternation against A1111's own parser: its lark grammar and schedule code run here with
 * Debian's python3-lark on the prompts in {@code a1111/prompt-schedules.jsonl} (A1111's doctests and more, and
 * hires fix's second pass), whose answers that file holds.
 */
class PromptScheduleTest {
    @Test
    void everyPromptIsScheduledAsA1111SchedulesIt() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/a1111/prompt-schedules.jsonl")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertThat(lines).hasSizeGreaterThan(15);
            for (String line : lines) {
                JsonNode c = Json.parse(line);
                List<PromptSchedule.Entry> want = new ArrayList<>();
                c.path("schedule").forEach(e -> want.add(new PromptSchedule.Entry(e.get(0).asInt(), e.get(1).asText())));
                String prompt = c.path("prompt").asText();
                int steps = c.path("steps").asInt();
                // Hires fix's second pass counts on from the first pass's steps.
                PromptSchedule got = c.has("first_pass_steps")
                        ? PromptSchedule.ofHires(prompt, c.path("first_pass_steps").asInt(), steps)
                        : PromptSchedule.of(prompt, steps);
                assertThat(got.entries()).as("%s over %d steps after %d", prompt, steps, c.path("first_pass_steps").asInt())
                        .containsExactlyElementsOf(want);
            }
        }
    }

    @Test
    void eachStepTakesTheFirstEntryThatLastsThatLong() {
        PromptSchedule s = PromptSchedule.of("a [cat:dog:3]", 10);
        assertThat(s.scheduled()).isTrue();
        assertThat(List.of(s.at(0), s.at(3), s.at(4), s.at(9), s.at(25))).containsExactly("a cat", "a cat", "a dog", "a dog", "a dog");
        PromptSchedule alternating = PromptSchedule.of("[a|b]", 4);
        // A1111's counting: the first model call is step 0, which the step-1 entry covers, so 'a' comes twice first.
        assertThat(List.of(alternating.at(0), alternating.at(1), alternating.at(2), alternating.at(3))).containsExactly("a", "a", "b", "a");
        assertThat(PromptSchedule.of("plain (words:1.2)", 10).scheduled()).isFalse();
    }
}
