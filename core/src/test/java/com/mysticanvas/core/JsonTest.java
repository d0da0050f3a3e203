package com.mysticanvas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void malformedBodiesAre400sThatSayWhy() {
        for (String body : new String[] {"", "   ", "{", "{\"a\":}", "{\"a\":1} trailing", "nul"}) {
            assertThatThrownBy(() -> Json.parse(body)).as(body)
                    .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
        }
        assertThatThrownBy(() -> Json.parseObject("[1,2]"))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.getMessage()).contains("JSON object"));
    }

    @Test
    void unknownFieldsAreIgnoredButSyntaxIsStrict() throws Exception {
        record Point(int x) {}
        assertThat(Json.MAPPER.readValue("{\"x\":1,\"extra\":true}", Point.class).x()).isEqualTo(1);
    }
}
