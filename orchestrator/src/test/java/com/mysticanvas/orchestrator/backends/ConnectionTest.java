package com.mysticanvas.orchestrator.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import org.junit.jupiter.api.Test;

/** A connection as the API takes it: every field checked, the URL's /v1 dropped, the key kept and never shown. */
class ConnectionTest {
    @Test
    void aConnectionFromABodyAndItsPublicFace() {
        Connection c = Connection.from(Json.parse("{\"name\":\" vLLM box \",\"url\":\"http://gpu:8000/v1/\",\"api_key\":\"sk-1\","
                + "\"priority\":5,\"prefix\":\"lab/\"}"), null, "id1");
        assertThat(c.url().toString()).isEqualTo("http://gpu:8000");
        assertThat(c.name()).isEqualTo("vLLM box");
        assertThat(c.toJson().toString()).doesNotContain("sk-1").contains("\"has_key\":true", "\"priority\":5", "\"prefix\":\"lab/\"");

        Connection renamed = Connection.from(Json.parse("{\"name\":\"other\"}"), c, "ignored");
        assertThat(renamed.id()).isEqualTo("id1");
        assertThat(renamed.apiKey()).as("a key left out is kept").isEqualTo("sk-1");
        assertThat(Connection.from(Json.parse("{\"api_key\":null}"), c, "x").apiKey()).isNull();
    }

    @Test
    void badFieldsAreBadInputThatSaysWhich() {
        for (String bad : new String[] {"{\"url\":\"http://x\"}", "{\"name\":\"a\",\"url\":\"ftp://x\"}", "{\"name\":\"a\"}",
                "{\"name\":\"a\",\"url\":\"http://x\",\"kind\":\"comfy\"}", "{\"name\":\"a\",\"url\":\"http://x\",\"prefix\":\"a b\"}",
                "[1]"}) {
            assertThatThrownBy(() -> Connection.from(Json.parse(bad), null, "id")).as(bad)
                    .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.kind()).isEqualTo(Problem.Kind.BAD_INPUT));
        }
        assertThat(Connection.from(Json.parse("{\"name\":\"a\",\"url\":\"http://x:7860\",\"kind\":\"a1111\"}"), null, "id").kind())
                .isEqualTo(Connection.Kind.A1111);
    }
}
