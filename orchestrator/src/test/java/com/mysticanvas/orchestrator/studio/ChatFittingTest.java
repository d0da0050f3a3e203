package com.mysticanvas.orchestrator.studio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.mysticanvas.core.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a conversation too long for the context loses its oldest turns. */
class ChatFittingTest {
    private static ArrayNode messages(String... roles) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < roles.length; i++) {
            out.addObject().put("role", roles[i]).put("content", "m" + i);
        }
        return out;
    }

    private static List<String> contents(ArrayNode messages) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : messages) {
            out.add(m.path("content").asText());
        }
        return out;
    }

    @Test
    void theOldestGoAfterTheSystemPromptAndAUserTurnComesFirst() {
        ArrayNode m = messages("system", "user", "assistant", "user", "assistant", "user");
        assertThat(ChatService.dropOldest(m, 1, 2)).isEqualTo(2);
        assertThat(contents(m)).containsExactly("m0", "m3", "m4", "m5");
        // one more would leave the assistant's answer first: it goes too
        assertThat(ChatService.dropOldest(m, 1, 1)).isEqualTo(2);
        assertThat(contents(m)).containsExactly("m0", "m5");
        // the newest message always stays
        assertThat(ChatService.dropOldest(m, 1, 5)).isZero();
        assertThat(contents(m)).containsExactly("m0", "m5");
    }

    @Test
    void withoutASystemPromptTheFirstMessageCanGo() {
        ArrayNode m = messages("assistant", "user", "assistant", "user");
        assertThat(ChatService.dropOldest(m, 0, 0)).as("an assistant greeting first is left out too").isEqualTo(1);
        assertThat(contents(m)).containsExactly("m1", "m2", "m3");
    }
}
