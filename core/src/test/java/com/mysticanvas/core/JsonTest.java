package com.mysticanvas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void malformedBodiesAre400sThatSayWhy() {
        for (String body : new String[] {"", "   ", "{", "{\"a\":}", "{\"a\":1} trailing", "nul"}) {
            assertThatThrownBy(() -> Json.parse(body)).as(body)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
        assertThatThrownBy(() -> Json.parseObject("[1,2]"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("JSON object"));
    }

    @Test
    void errorBodyHasTheOpenAiShape() {
        var body = ApiException.badRequest("steps must be 1..150").toJson();
        assertThat(Json.write(body)).isEqualTo(
                "{\"error\":{\"message\":\"steps must be 1..150\",\"type\":\"invalid_request_error\",\"code\":\"bad_request\"}}");
    }

    @Test
    void unknownFieldsAreIgnoredButSyntaxIsStrict() throws Exception {
        record Point(int x) {}
        assertThat(Json.MAPPER.readValue("{\"x\":1,\"extra\":true}", Point.class).x()).isEqualTo(1);
    }
}
