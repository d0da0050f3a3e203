package com.mysticanvas.core.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import org.junit.jupiter.api.Test;

class OllamaRequestsTest {
    @Test
    void optionsAndFormatBecomeOpenAisSamplingFields() {
        JsonNode sampling = OllamaRequests.sampling(Json.parse("""
                {"options":{"temperature":0.3,"top_k":20,"num_predict":64,"stop":["\\n"],"num_ctx":4096},"format":"json"}"""));
        assertThat(sampling.toString()).isEqualTo(
                "{\"temperature\":0.3,\"top_k\":20,\"stop\":[\"\\n\"],\"max_tokens\":64,\"response_format\":{\"type\":\"json_object\"}}");
        assertThat(OllamaRequests.sampling(Json.parse("{\"options\":{\"num_predict\":-1}}")).has("max_tokens"))
                .as("-1: no limit").isFalse();
        assertThatThrownBy(() -> OllamaRequests.sampling(Json.parse("{\"format\":\"yaml\"}")))
                .isInstanceOf(Problem.class).hasMessageContaining("'format' must be");
    }

    @Test
    void imagesBecomePartsAndToolAnswersNameTheCallsTheyFollowInOrder() {
        JsonNode messages = OllamaRequests.messages(Json.parse("""
                [{"role":"user","content":"","images":["/9j/4AAQ","R0lGODlh"]},
                 {"role":"assistant","tool_calls":[{"function":{"name":"a","arguments":{"x":1}}},
                                                   {"function":{"name":"b","arguments":"{}"}}]},
                 {"role":"tool","content":"1"},{"role":"tool","content":"2","tool_name":"b"}]"""));
        assertThat(messages.get(0).path("content").toString()).isEqualTo("[{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"data:image/jpeg;base64,/9j/4AAQ\"}},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/gif;base64,R0lGODlh\"}}]");
        JsonNode calls = messages.get(1).path("tool_calls");
        assertThat(calls.get(0).path("function").path("arguments").asText()).isEqualTo("{\"x\":1}");
        assertThat(calls.get(1).path("function").path("arguments").asText()).isEqualTo("{}");
        assertThat(messages.get(2).path("tool_call_id").asText()).isEqualTo(calls.get(0).path("id").asText());
        assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo(calls.get(1).path("id").asText());
        assertThat(messages.get(3).path("name").asText()).isEqualTo("b");
        assertThat(calls.get(0).path("id").asText()).isNotEqualTo(calls.get(1).path("id").asText());
    }
}
