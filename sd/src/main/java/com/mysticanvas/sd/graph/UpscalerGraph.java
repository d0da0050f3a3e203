package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.UpscalerSpec;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * An upscaler model as one ONNX graph: {@code image} [B,3,H,W], RGB in [0,1], to {@code upscaled}
 * [B,3,H*s,W*s], unclamped. H and W must be multiples of the model's pixel unshuffle (1, 2 or 4).
 */
public final class UpscalerGraph {
    private static final float SLOPE = 0.2f; // ESRGAN's LeakyReLU
    private static final float RESIDUAL = 0.2f; // its residual scaling

    private UpscalerGraph() {}

    public static OnnxGraph build(UpscalerSpec spec, Weights w) {
        OnnxGraph g = new OnnxGraph("upscaler");
        Nn nn = new Nn(g, w);
        String x = g.input("image", OnnxGraph.FLOAT, "batch", 3L, "height", "width");
        String out = switch (spec) {
            case UpscalerSpec.Rrdb r -> rrdb(nn, x, r);
            case UpscalerSpec.Compact c -> compact(nn, x, c);
        };
        g.output(out, "upscaled", OnnxGraph.FLOAT, "batch", 3L, "out_height", "out_width");
        return g;
    }

    private static String rrdb(Nn nn, String x, UpscalerSpec.Rrdb r) {
        long nf = r.features();
        String in = r.unshuffle() == 1 ? x : nn.pixelUnshuffle(x, 3, r.unshuffle());
        String feat = nn.conv(in, "conv_first", 3L * r.unshuffle() * r.unshuffle(), nf, 3);
        String body = feat;
        for (int i = 0; i < r.blocks(); i++) {
            String block = body;
            for (int j = 1; j <= 3; j++) {
                block = denseBlock(nn, block, "body." + i + ".rdb" + j, nf, r.growth());
            }
            body = nn.add(nn.g.op("Mul", block, nn.g.scalar(RESIDUAL)), body);
        }
        feat = nn.add(feat, nn.conv(body, "conv_body", nf, nf, 3));
        for (int k = 1; k <= r.upsamplings(); k++) {
            feat = nn.leakyRelu(nn.conv(nn.upsample2x(feat), "conv_up" + k, nf, nf, 3), SLOPE);
        }
        return nn.conv(nn.leakyRelu(nn.conv(feat, "conv_hr", nf, nf, 3), SLOPE), "conv_last", nf, 3, 3);
    }

    /** Five densely connected convolutions; the fifth, scaled by 0.2, added to the input. */
    private static String denseBlock(Nn nn, String x, String p, long nf, long gc) {
        List<String> seen = new ArrayList<>(List.of(x));
        for (int k = 1; k <= 4; k++) {
            String in = k == 1 ? x : nn.concat(seen);
            seen.add(nn.leakyRelu(nn.conv(in, p + ".conv" + k, nf + (k - 1) * gc, gc, 3), SLOPE));
        }
        String x5 = nn.conv(nn.concat(seen), p + ".conv5", nf + 4 * gc, nf, 3);
        return nn.add(nn.g.op("Mul", x5, nn.g.scalar(RESIDUAL)), x);
    }

    private static String compact(Nn nn, String x, UpscalerSpec.Compact c) {
        long nf = c.features();
        String h = nn.prelu(nn.conv(x, "body.0", 3, nf, 3), "body.1", nf);
        for (int i = 1; i <= c.convs(); i++) {
            h = nn.prelu(nn.conv(h, "body." + 2 * i, nf, nf, 3), "body." + (2 * i + 1), nf);
        }
        long outChannels = 3L * c.scale() * c.scale();
        h = nn.conv(h, "body." + (2 * c.convs() + 2), nf, outChannels, 3);
        return nn.add(nn.pixelShuffle(h, c.scale()), nn.upsample(x, c.scale()));
    }
}
