package com.mysticanvas.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MultipartFormsTest {
    private static final String TYPE = "multipart/form-data; boundary=XyZ";

    private static String part(String name, String file, String content) {
        return "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (file == null ? "" : "; filename=\"" + file + "\"\r\nContent-Type: image/png") + "\r\n\r\n" + content + "\r\n";
    }

    @Test
    void fieldsAreTypedAndTheFirstImageAndTheMaskBecomeBase64() {
        String body = part("prompt", null, "a hill, at night") + part("n", null, "2") + part("strength", null, "0.5")
                + part("stream", null, "true") + part("model", null, "sdxl-1") + part("image[]", "a.png", "first")
                + part("image[]", "b.png", "second") + part("mask", "m.png", "mask") + "--XyZ--\r\n";
        ObjectNode json = MultipartForms.toJson(TYPE, body.getBytes(StandardCharsets.UTF_8));
        assertThat(json.path("prompt").asText()).isEqualTo("a hill, at night");
        assertThat(json.path("n").isInt()).isTrue();
        assertThat(json.path("strength").asDouble()).isEqualTo(0.5);
        assertThat(json.path("stream").asBoolean()).isTrue();
        assertThat(json.path("model").asText()).isEqualTo("sdxl-1");
        assertThat(json.path("image").asText()).isEqualTo(Base64.getEncoder().encodeToString("first".getBytes(StandardCharsets.UTF_8)));
        assertThat(json.path("mask").asText()).isEqualTo(Base64.getEncoder().encodeToString("mask".getBytes(StandardCharsets.UTF_8)));
        assertThat(MultipartForms.isMultipart(TYPE)).isTrue();
        assertThat(MultipartForms.isMultipart("application/json")).isFalse();
    }

    @Test
    void aFormWithoutBoundaryOrEndIsABadRequest() {
        assertThatThrownBy(() -> MultipartForms.toJson("multipart/form-data", new byte[0]))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.getMessage()).contains("boundary"));
        assertThatThrownBy(() -> MultipartForms.toJson(TYPE, part("prompt", null, "cut").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.getMessage()).contains("multipart form cannot be read"));
    }
}
