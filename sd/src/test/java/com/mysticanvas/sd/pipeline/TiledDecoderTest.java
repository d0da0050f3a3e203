package com.mysticanvas.sd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TiledDecoderTest {
    /** A decoder with no spatial mixing (each latent cell becomes an 8x8 block): tiling must not change its output. */
    private static float[] blockDecoder(float[] latent, int h, int w) {
        float[] out = new float[3 * h * 8 * w * 8];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h * 8; y++) {
                for (int x = 0; x < w * 8; x++) {
                    out[(c * h * 8 + y) * w * 8 + x] = latent[(c * h + y / 8) * w + x / 8] * (1 + 0.1f * c);
                }
            }
        }
        return out;
    }

    @Test
    void tilesBlendToTheUntiledResultAndBoundEachDecode() throws Exception {
        int h = 150;
        int w = 128; // 1200x1024 pixels
        float[] latent = new float[4 * h * w];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < latent.length; i++) {
            latent[i] = (float) r.nextDouble();
        }
        AtomicInteger largest = new AtomicInteger();
        AtomicInteger tiles = new AtomicInteger();
        float[] tiled = TiledDecoder.decode(latent, 4, h, w, 8, 64, 16, (piece, th, tw) -> {
            largest.accumulateAndGet(th * tw, Math::max);
            tiles.incrementAndGet();
            return blockDecoder(piece, th, tw);
        });
        float[] whole = blockDecoder(latent, h, w);
        assertThat(largest.get()).isLessThanOrEqualTo(64 * 64);
        assertThat(tiles.get()).isEqualTo(3 * 3);
        for (int i = 0; i < whole.length; i++) {
            assertThat(tiled[i]).isCloseTo(whole[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void smallLatentsAreDecodedInOnePiece() throws Exception {
        AtomicInteger tiles = new AtomicInteger();
        TiledDecoder.decode(new float[4 * 64 * 64], 4, 64, 64, 8, 64, 16, (piece, th, tw) -> {
            tiles.incrementAndGet();
            return blockDecoder(piece, th, tw);
        });
        assertThat(tiles.get()).isEqualTo(1);
        assertThat(TiledDecoder.starts(128, 64, 16)).containsExactly(0, 48, 64);
    }
}
