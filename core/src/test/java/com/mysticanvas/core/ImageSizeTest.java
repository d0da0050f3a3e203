package com.mysticanvas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageSizeTest {
    @Test
    void widthAndHeightWinOverOpenAisSizeWhichWinsOverTheDefault() {
        assertThat(ImageSize.of(Json.parse("{}"))).isEqualTo(new ImageSize(512, 512));
        assertThat(ImageSize.of(Json.parse("{\"size\":\"1024x768\"}"))).isEqualTo(new ImageSize(1024, 768));
        assertThat(ImageSize.of(Json.parse("{\"size\":\"auto\"}"))).isEqualTo(ImageSize.DEFAULT);
        // The case the memory gate and the worker once read differently: one side from size, one from height.
        assertThat(ImageSize.of(Json.parse("{\"size\":\"1024x1024\",\"height\":256}"))).isEqualTo(new ImageSize(1024, 256));
        assertThat(ImageSize.of(Json.parse("{\"width\":64,\"height\":128}"))).isEqualTo(new ImageSize(64, 128));
    }

    @Test
    void malformedFieldsAreBadInputThatNamesThem() {
        assertThatThrownBy(() -> ImageSize.of(Json.parse("{\"size\":\"big\"}"))).hasMessageContaining("size must look like 512x512");
        assertThatThrownBy(() -> ImageSize.of(Json.parse("{\"width\":\"wide\"}"))).hasMessageContaining("'width'");
        assertThatThrownBy(() -> new ImageSize(513, 512).checked(2048)).hasMessageContaining("width must be a multiple of 8");
        assertThatThrownBy(() -> new ImageSize(512, 4096).checked(2048)).hasMessageContaining("height").hasMessageContaining("2048");
        assertThat(new ImageSize(64, 2048).checked(2048).pixels()).isEqualTo(64L * 2048);
    }
}
