package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.List;

/** The layers the SD networks are made of, as ONNX nodes over one graph and one weight source. All f32, NCHW. */
final class Nn {
    /** The groups of every GroupNorm in SD's networks. */
    static final int GROUPS = 32;
    final OnnxGraph g;
    final Weights w;
    private final VaeGraph.Norms norms;
    private int normCount;

    Nn(OnnxGraph g, Weights w) {
        this(g, w, VaeGraph.Norms.OWN);
    }

    /** Layers whose group norms take their statistics as {@code norms} says ({@link VaeGraph.Norms}). */
    Nn(OnnxGraph g, Weights w, VaeGraph.Norms norms) {
        this.g = g;
        this.w = w;
        this.norms = norms;
    }

    String conv(String x, String prefix, long in, long out, int kernel, int stride, long... pads) {
        int p = kernel / 2;
        long[] padding = pads.length == 4 ? pads : new long[] {p, p, p, p};
        String weight = w.weight(g, prefix + ".weight", out, in, kernel, kernel);
        String bias = w.weight(g, prefix + ".bias", out);
        return g.op("Conv", List.of(x, weight, bias), Attr.ints("kernel_shape", kernel, kernel),
                Attr.ints("strides", stride, stride), Attr.ints("pads", padding));
    }

    String conv(String x, String prefix, long in, long out, int kernel) {
        return conv(x, prefix, in, out, kernel, 1);
    }

    /** PyTorch's Linear on the last axis: x W^T (+ b); the transpose of the constant weight is folded at load. */
    String linear(String x, String prefix, long in, long out, boolean bias) {
        return linear(x, prefix + ".weight", bias ? prefix + ".bias" : null, in, out);
    }

    /** A linear layer whose weight and bias (null: none) have names of their own (OpenCLIP's {@code in_proj_weight}). */
    String linear(String x, String weight, String bias, long in, long out) {
        String wt = g.op("Transpose", w.weight(g, weight, out, in), Attr.ints("perm", 1, 0));
        String y = g.op("MatMul", x, wt);
        return bias != null ? g.op("Add", y, w.weight(g, bias, out)) : y;
    }

    String groupNorm(String x, String prefix, long channels, float eps) {
        String name = "norm." + normCount++;
        switch (norms) {
            case REPORTED -> {
                String[] stats = groupStatistics(x);
                g.output(stats[0], name + ".mean", OnnxGraph.FLOAT, "batch", (long) GROUPS, 1L);
                g.output(stats[1], name + ".variance", OnnxGraph.FLOAT, "batch", (long) GROUPS, 1L);
            }
            case GIVEN -> {
                return groupNormWith(x, prefix, channels, eps, g.input(name + ".mean", OnnxGraph.FLOAT, 1L, (long) GROUPS, 1L),
                        g.input(name + ".variance", OnnxGraph.FLOAT, 1L, (long) GROUPS, 1L));
            }
            case OWN -> { }
        }
        return g.op("GroupNormalization", List.of(x, w.weight(g, prefix + ".weight", channels), w.weight(g, prefix + ".bias", channels)),
                Attr.i("num_groups", GROUPS), Attr.f("epsilon", eps));
    }

    /** GroupNorm's per-group mean and (population) variance of x [B,C,H,W], each [B,32,1]. */
    private String[] groupStatistics(String x) {
        String grouped = g.op("Reshape", x, g.longs(0, GROUPS, -1));
        String mean = g.op("ReduceMean", grouped, g.longs(2), Attr.i("keepdims", 1));
        String centred = g.op("Sub", grouped, mean);
        String variance = g.op("ReduceMean", g.op("Mul", centred, centred), g.longs(2), Attr.i("keepdims", 1));
        return new String[] {mean, variance};
    }

    /** GroupNorm with statistics given from outside ({@code mean}, {@code variance}: [1,32,1]) instead of x's own. */
    private String groupNormWith(String x, String prefix, long channels, float eps, String mean, String variance) {
        String grouped = g.op("Reshape", x, g.longs(0, GROUPS, -1));
        String normal = g.op("Div", g.op("Sub", grouped, mean), g.op("Sqrt", g.op("Add", variance, g.scalar(eps))));
        String back = g.op("Reshape", normal, g.op("Shape", x));
        String scale = g.op("Reshape", w.weight(g, prefix + ".weight", channels), g.longs(channels, 1, 1));
        String shift = g.op("Reshape", w.weight(g, prefix + ".bias", channels), g.longs(channels, 1, 1));
        return g.op("Add", g.op("Mul", back, scale), shift);
    }

    String layerNorm(String x, String prefix, long width) {
        return g.op("LayerNormalization", List.of(x, w.weight(g, prefix + ".weight", width), w.weight(g, prefix + ".bias", width)),
                Attr.i("axis", -1), Attr.f("epsilon", 1e-5f));
    }

    String silu(String x) {
        return g.op("Mul", x, g.op("Sigmoid", x));
    }

    String add(String a, String b) {
        return g.op("Add", a, b);
    }

    String relu(String x) {
        return g.op("Relu", x);
    }

    String leakyRelu(String x, float slope) {
        return g.op("LeakyRelu", x, Attr.f("alpha", slope));
    }

    /** PyTorch's PReLU with one slope per channel of [B,C,H,W]. */
    String prelu(String x, String prefix, long channels) {
        return g.op("PRelu", x, g.op("Reshape", w.weight(g, prefix + ".weight", channels), g.longs(channels, 1, 1)));
    }

    String concat(List<String> xs) {
        return g.op("Concat", xs, Attr.i("axis", 1));
    }

    /** PyTorch's {@code pixel_shuffle}: [B,C*r*r,H,W] to [B,C,H*r,W*r] (ONNX's DepthToSpace in CRD order). */
    String pixelShuffle(String x, int r) {
        return g.op("DepthToSpace", x, Attr.i("blocksize", r), Attr.s("mode", "CRD"));
    }

    /**
     * PyTorch's {@code pixel_unshuffle}: [B,C,H,W] to [B,C*r*r,H/r,W/r] with channel c*r*r + i*r + j (ONNX's
     * SpaceToDepth orders the channels the other way round).
     */
    String pixelUnshuffle(String x, long channels, int r) {
        String shape = g.op("Shape", x);
        String h = g.op("Div", g.op("Slice", List.of(shape, g.longs(2), g.longs(3))), g.longs(r));
        String wd = g.op("Div", g.op("Slice", List.of(shape, g.longs(3), g.longs(4))), g.longs(r));
        String split = g.op("Concat", List.of(g.longs(0, channels), h, g.longs(r), wd, g.longs(r)), Attr.i("axis", 0));
        String t = g.op("Transpose", g.op("Reshape", x, split), Attr.ints("perm", 0, 1, 3, 5, 2, 4));
        return g.op("Reshape", t, g.op("Concat", List.of(g.longs(0, channels * r * r), h, wd), Attr.i("axis", 0)));
    }

    /** [B,C,H,W] to [B,H*W,C]. */
    String toTokens(String x, long channels) {
        return g.op("Transpose", g.op("Reshape", x, g.longs(0, channels, -1)), Attr.ints("perm", 0, 2, 1));
    }

    /** [B,H*W,C] back to the shape of {@code like} ([B,C,H,W]). */
    String fromTokens(String tokens, String like) {
        return g.op("Reshape", g.op("Transpose", tokens, Attr.ints("perm", 0, 2, 1)), g.op("Shape", like));
    }

    /** Fused attention (com.microsoft.MultiHeadAttention): q [B,S,D], k and v [B,L,D], scale 1/sqrt(D/heads). */
    String attention(String q, String k, String v, int heads) {
        return g.op(OnnxGraph.MICROSOFT, "MultiHeadAttention", List.of(q, k, v), 1, Attr.i("num_heads", heads))[0];
    }

    /** Nearest-neighbour upsampling of [B,C,H,W] to the spatial size of {@code like} (2x, or 2x-1 for odd sizes). */
    String upsampleLike(String x, String like) {
        String sizes = g.op("Concat", List.of(
                g.op("Slice", List.of(g.op("Shape", x), g.longs(0), g.longs(2))),
                g.op("Slice", List.of(g.op("Shape", like), g.longs(2), g.longs(4)))), Attr.i("axis", 0));
        return resize(x, sizes);
    }

    /** Nearest-neighbour 2x upsampling of [B,C,H,W]. */
    String upsample2x(String x) {
        return upsample(x, 2);
    }

    /** Nearest-neighbour upsampling of [B,C,H,W] by a whole factor (torch's {@code interpolate(scale_factor=f)}). */
    String upsample(String x, int factor) {
        return g.op("Resize", List.of(x, "", g.constant(new long[] {4}, 1, 1, factor, factor)),
                Attr.s("mode", "nearest"), Attr.s("coordinate_transformation_mode", "asymmetric"),
                Attr.s("nearest_mode", "floor"));
    }

    private String resize(String x, String sizes) {
        return g.op("Resize", List.of(x, "", "", sizes), Attr.s("mode", "nearest"),
                Attr.s("coordinate_transformation_mode", "asymmetric"), Attr.s("nearest_mode", "floor"));
    }
}
