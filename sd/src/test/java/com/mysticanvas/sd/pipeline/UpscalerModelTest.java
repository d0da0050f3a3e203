package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.graph.CheckpointWeights;
import com.mysticanvas.sd.graph.UpscalerGraph;
import com.mysticanvas.sd.model.UpscalerSpec;
import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.SafeTensorsWriter;
import com.mysticanvas.sd.testing.TestResources;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Upscaler models against a torch reference written from the published architectures (resources
 * {@code upscalers/}, made by {@code make_fixtures.py} there): random small RRDBNets in basicsr's layout at 4x, 2x and
 * 1x (the last two pixel-unshuffle), the original ESRGAN layout at 4x and 2x, and a compact SRVGG network, each
 * saved by torch as a .pth and run on the same 20x12 input.
 */
class UpscalerModelTest {
    @TempDir
    Path dir;

    private Path resource(String name) throws Exception {
        return TestResources.copy("/upscalers", name, dir);
    }

    @ParameterizedTest
    @CsvSource({"rrdb-x4, 4, 8, 2, 4", "rrdb-x2, 2, 8, 2, 4", "rrdb-x1, 1, 8, 2, 4", "esrgan-old-x4, 4, 8, 2, 4",
            "esrgan-old-x2, 2, 8, 2, 4", "compact-x4, 4, 8, 3, 0"})
    void theGraphComputesWhatTorchComputes(String model, int scale, int features, int depth, int growth) throws Exception {
        try (SafeTensors expected = SafeTensors.open(resource("expected.pth"));
             SafeTensors raw = SafeTensors.open(resource(model + ".pth"))) {
            SafeTensors st = UpscalerSpec.basicsrNames(UpscalerSpec.unwrapped(raw));
            UpscalerSpec spec = UpscalerSpec.inspect(st);
            assertThat(spec.scale()).isEqualTo(scale);
            switch (spec) {
                case UpscalerSpec.Rrdb r -> assertThat(new int[] {r.features(), r.blocks(), r.growth()})
                        .containsExactly(features, depth, growth);
                case UpscalerSpec.Compact c -> assertThat(new int[] {c.features(), c.convs()}).containsExactly(features, depth);
            }
            float[] input = expected.floats("input");
            float[] want = expected.floats(model);
            try (OrtSession s = Sessions.create(UpscalerGraph.build(spec, new CheckpointWeights(st, "")), dir, Map.of(), 1);
                 OnnxTensor x = OnnxTensor.createTensor(Sessions.env(), FloatBuffer.wrap(input), new long[] {1, 3, 12, 20});
                 OrtSession.Result r = s.run(Map.of("image", x))) {
                FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] got = new float[b.remaining()];
                b.get(got);
                assertThat(got).hasSize(want.length);
                double worst = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - want[i]));
                }
                assertThat(worst).as("largest difference from torch").isLessThan(1e-5);
            }
        }
    }

    private static RgbImage noise(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new SplittableRandom(seed).nextBytes(rgb);
        return new RgbImage(rgb, w, h);
    }

    @Test
    void imagesLargerThanATileAreUpscaledInTilesThatAgreeAwayFromTheirSeams() throws Exception {
        try (UpscalerModel m = UpscalerModel.load(resource("compact-x4.pth"), 1)) {
            RgbImage image = noise(250, 200, 3); // 2 x 2 tiles of 192
            List<String> told = new java.util.ArrayList<>();
            RgbImage tiled = m.apply(image, UpscalerModel.TILE, (done, total) -> told.add(done + "/" + total));
            assertThat(told).containsExactly("1/4", "2/4", "3/4", "4/4");
            RgbImage whole = m.apply(image, 256, UpscalerModel.TileProgress.NONE);
            assertThat(tiled.width()).isEqualTo(1000);
            assertThat(tiled.height()).isEqualTo(800);
            int same = 0;
            for (int i = 0; i < tiled.rgb().length; i++) {
                if (tiled.rgb()[i] == whole.rgb()[i]) {
                    same++;
                }
            }
            // the compact net sees 5 pixels around each; only the overlaps' blends may differ
            assertThat((double) same / tiled.rgb().length).isGreaterThan(0.9);
        }
    }

    @Test
    void sidesThatTheUnshuffleDoesNotDivideArePaddedAndCroppedBack() throws Exception {
        try (UpscalerModel m = UpscalerModel.load(resource("rrdb-x2.pth"), 1)) {
            RgbImage out = m.upscaleTo(noise(13, 7, 4), 26, 14, UpscalerModel.TileProgress.NONE);
            assertThat(out.width()).isEqualTo(26);
            assertThat(out.height()).isEqualTo(14);
        }
        try (UpscalerModel m = UpscalerModel.load(resource("rrdb-x1.pth"), 1)) {
            RgbImage out = m.apply(noise(13, 7, 4));
            assertThat(new int[] {out.width(), out.height()}).containsExactly(13, 7);
        }
    }

    @Test
    void aScaleBeyondTheModelsAppliesItAgainThenResizes() throws Exception {
        try (UpscalerModel m = UpscalerModel.load(resource("esrgan-old-x2.pth"), 1)) {
            RgbImage image = noise(10, 8, 5);
            RgbImage twice = m.apply(m.apply(image));
            RgbImage out = m.upscaleTo(image, 30, 24, UpscalerModel.TileProgress.NONE); // 3x: 2x twice, then Lanczos down to 30x24
            assertThat(out.rgb()).isEqualTo(twice.resized(30, 24).rgb());
        }
    }

    @Test
    void aFileOfAnotherArchitectureIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("swinir.safetensors");
        SafeTensorsWriter.write(file, List.of(SafeTensorsWriter.floats("layers.0.attn.qkv.weight", DType.F32,
                new long[] {3, 4}, new float[12])), Map.of());
        assertThatThrownBy(() -> UpscalerModel.load(file, 1)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("swinir.safetensors").hasMessageContaining("RRDBNet");
    }
}
