package com.mysticanvas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Hires fix's target sizes, worked by hand from A1111's {@code StableDiffusionProcessingTxt2Img.init}. */
class HiresSizeTest {
    private static final ImageSize FIRST = new ImageSize(512, 768);

    @Test
    void aScaleMultipliesBothSidesFlooredToWholeLatentCells() {
        assertThat(HiresSize.of(FIRST, 2, 0, 0)).isEqualTo(new HiresSize(new ImageSize(1024, 1536), new ImageSize(1024, 1536)));
        // int(512 * 1.3) = 665 and int(768 * 1.3) = 998: A1111's latent is 665 // 8 = 83 by 998 // 8 = 124 cells.
        assertThat(HiresSize.of(FIRST, 1.3, 0, 0).cropped()).isEqualTo(new ImageSize(664, 992));
    }

    @Test
    void oneResizeSideKeepsTheAspect() {
        assertThat(HiresSize.of(FIRST, 2, 1024, 0).cropped()).isEqualTo(new ImageSize(1024, 1536));
        assertThat(HiresSize.of(FIRST, 2, 0, 1000).cropped()).isEqualTo(new ImageSize(664, 1000)); // 1000 * 512 // 768 = 666
    }

    @Test
    void bothResizeSidesCoverTheTargetAndCutOutItsCentre() {
        // 512x768 to 1024x1024: the width decides (2/3 < 1), so 1024x1536, then (1536 - 1024) // 8 = 64 rows cut.
        HiresSize wide = HiresSize.of(FIRST, 2, 1024, 1024);
        assertThat(wide.upscaled()).isEqualTo(new ImageSize(1024, 1536));
        assertThat(wide.cropped()).isEqualTo(new ImageSize(1024, 1024));
        assertThat(wide.cropTopCells()).isEqualTo(32);
        assertThat(wide.cropLeftCells()).isZero();
        // 512x768 to 1000x600: 1000 wide, 1000 * 768 // 512 = 1500 high (187 cells), (1500 - 600) // 8 = 112 cut.
        HiresSize landscape = HiresSize.of(FIRST, 2, 1000, 600);
        assertThat(landscape.upscaled()).isEqualTo(new ImageSize(1000, 1496));
        assertThat(landscape.cropped()).isEqualTo(new ImageSize(1000, 600));
        assertThat(landscape.cropTopCells()).isEqualTo(56);
        // A wider source: the height decides. 768x512 to 600x600: 600 * 768 // 512 = 900 wide, 300 // 8 = 37 cut.
        HiresSize portrait = HiresSize.of(new ImageSize(768, 512), 2, 600, 600);
        assertThat(portrait.upscaled()).isEqualTo(new ImageSize(896, 600));
        assertThat(portrait.cropped()).isEqualTo(new ImageSize(600, 600));
        assertThat(portrait.cropLeftCells()).isEqualTo(18);
    }

    @Test
    void theMemoryGateSizesATxt2imgJobByItsHiresSize() {
        assertThat(HiresSize.largest(Json.parse("{\"width\":512,\"height\":512,\"enable_hr\":true,\"hr_scale\":1.5}")))
                .isEqualTo(new ImageSize(768, 768));
        assertThat(HiresSize.largest(Json.parse("{\"width\":512,\"height\":512,\"hr_scale\":1.5}"))).isEqualTo(ImageSize.DEFAULT);
        assertThat(HiresSize.largest(Json.parse("{\"enable_hr\":true,\"init_images\":[\"x\"]}")))
                .as("img2img ignores hires fix").isEqualTo(ImageSize.DEFAULT);
        assertThatThrownBy(() -> HiresSize.of(FIRST, 0, 0, 0)).isInstanceOf(Problem.class).hasMessageContaining("hr_scale");
        assertThatThrownBy(() -> HiresSize.of(FIRST, 2, -1, 0)).isInstanceOf(Problem.class).hasMessageContaining("hr_resize_x");
    }
}
