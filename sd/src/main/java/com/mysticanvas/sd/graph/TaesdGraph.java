package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.List;

/**
 * TAESD's decoder (Ollin Boer Bohan's "Tiny AutoEncoder for Stable Diffusion", its {@code taesd.py}), for live
 * previews: {@code latent} [1,4,h,w] as the sampler has it to {@code image} [1,3,8h,8w] in [0,1]. Its layers, as the
 * weight names number them in its {@code nn.Sequential}: 0 a soft clamp {@code tanh(x / 3) * 3}, 1 conv 4→64, 2 ReLU,
 * then three times three Blocks, a 2x nearest upsampling and a bias-free conv (3-7, 8-12, 13-17), then a Block (18)
 * and a conv to RGB (19). A Block is {@code relu(conv(relu(conv(relu(conv(x))))) + x)}, its convs {@code N.conv.0},
 * {@code .2}, {@code .4}. TAESD and TAESDXL share the layout; only their weights differ.
 */
public final class TaesdGraph {
    private static final long F = 64;

    private TaesdGraph() {}

    public static OnnxGraph build(Weights w) {
        OnnxGraph g = new OnnxGraph("taesd_decoder");
        Nn nn = new Nn(g, w);
        String x = g.input("latent", OnnxGraph.FLOAT, 1L, 4L, "height", "width");
        String h = g.op("Mul", g.op("Tanh", g.op("Div", x, g.scalar(3f))), g.scalar(3f));
        h = nn.relu(nn.conv(h, "1", 4, F, 3));
        int layer = 3;
        for (int stage = 0; stage < 3; stage++) {
            for (int b = 0; b < 3; b++) {
                h = block(nn, h, Integer.toString(layer++));
            }
            h = nn.upsample2x(h);
            layer++;
            h = convNoBias(nn, h, Integer.toString(layer++));
        }
        h = block(nn, h, Integer.toString(layer++));
        String rgb = nn.conv(h, Integer.toString(layer), F, 3, 3);
        g.output(rgb, "image", OnnxGraph.FLOAT, 1L, 3L, "out_height", "out_width");
        return g;
    }

    private static String block(Nn nn, String x, String p) {
        String h = nn.relu(nn.conv(x, p + ".conv.0", F, F, 3));
        h = nn.relu(nn.conv(h, p + ".conv.2", F, F, 3));
        h = nn.conv(h, p + ".conv.4", F, F, 3);
        return nn.relu(nn.add(h, x));
    }

    private static String convNoBias(Nn nn, String x, String p) {
        String weight = nn.w.weight(nn.g, p + ".weight", F, F, 3, 3);
        return nn.g.op("Conv", List.of(x, weight), Attr.ints("kernel_shape", 3, 3), Attr.ints("strides", 1, 1),
                Attr.ints("pads", 1, 1, 1, 1));
    }
}
