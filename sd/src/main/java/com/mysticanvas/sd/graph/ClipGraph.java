package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.List;
import java.util.function.Predicate;

/**
 * CLIP's text transformer (HF {@code CLIPTextModel}, quick-GELU, causal) as an ONNX graph. Input
 * {@code input_ids} int64 [B, positions]; outputs {@code hidden} (after the final layer norm) and
 * {@code penultimate} (the second-to-last layer's output through the final layer norm: A1111's "clip skip 2").
 * Tensor names are HF's ({@code text_model.encoder.layers.N...}) without the checkpoint's prefix.
 */
public final class ClipGraph {
    private ClipGraph() {}

    /**
     * The text encoder's weights to keep in their stored 16-bit form and widen at every run: all of them. It runs
     * once per generation on a few hundred tokens, so widening costs a few tens of milliseconds per image while
     * the f32 copies would hold 0.5 GB (SD 1.5) for the whole session.
     */
    public static Predicate<String> keptNarrow() {
        return name -> true;
    }

    public static OnnxGraph build(ClipConfig c, Weights w) {
        OnnxGraph g = new OnnxGraph("clip_text");
        Nn nn = new Nn(g, w);
        long width = c.width();
        String ids = g.input("input_ids", OnnxGraph.INT64, "batch", (long) c.positions());
        String tokens = g.op("Gather", List.of(w.weight(g, "text_model.embeddings.token_embedding.weight", c.vocab(), width), ids),
                Attr.i("axis", 0));
        String h = g.op("Add", tokens, w.weight(g, "text_model.embeddings.position_embedding.weight", c.positions(), width));
        String mask = causalMask(g, c.positions());
        String penultimate = h;
        for (int l = 0; l < c.layers(); l++) {
            String p = "text_model.encoder.layers." + l;
            penultimate = h;
            h = nn.add(h, selfAttention(nn, nn.layerNorm(h, p + ".layer_norm1", width), p + ".self_attn", c, mask));
            String m = nn.linear(nn.layerNorm(h, p + ".layer_norm2", width), p + ".mlp.fc1", width, c.ffWidth(), true);
            m = g.op("Mul", m, g.op("Sigmoid", g.op("Mul", m, g.scalar(1.702f)))); // quick GELU
            h = nn.add(h, nn.linear(m, p + ".mlp.fc2", c.ffWidth(), width, true));
        }
        String finalNorm = "text_model.final_layer_norm";
        g.output(nn.layerNorm(h, finalNorm, width), "hidden", OnnxGraph.FLOAT, "batch", (long) c.positions(), width);
        g.output(nn.layerNorm(penultimate, finalNorm, width), "penultimate", OnnxGraph.FLOAT, "batch",
                (long) c.positions(), width);
        return g;
    }

    /** Attention with an additive causal mask, spelled out: 77 tokens make the score matrix tiny. */
    private static String selfAttention(Nn nn, String x, String p, ClipConfig c, String mask) {
        OnnxGraph g = nn.g;
        long width = c.width();
        long headDim = width / c.heads();
        String q = heads(g, nn.linear(x, p + ".q_proj", width, width, true), c.heads(), headDim);
        String k = heads(g, nn.linear(x, p + ".k_proj", width, width, true), c.heads(), headDim);
        String v = heads(g, nn.linear(x, p + ".v_proj", width, width, true), c.heads(), headDim);
        String scores = g.op("MatMul", q, g.op("Transpose", k, Attr.ints("perm", 0, 1, 3, 2)));
        scores = g.op("Add", g.op("Mul", scores, g.scalar((float) (1 / Math.sqrt(headDim)))), mask);
        String o = g.op("MatMul", g.op("Softmax", scores, Attr.i("axis", -1)), v);
        o = g.op("Reshape", g.op("Transpose", o, Attr.ints("perm", 0, 2, 1, 3)), g.longs(0, 0, width));
        return nn.linear(o, p + ".out_proj", width, width, true);
    }

    /** [B,T,W] to [B,heads,T,headDim]. */
    private static String heads(OnnxGraph g, String x, int heads, long headDim) {
        return g.op("Transpose", g.op("Reshape", x, g.longs(0, 0, heads, headDim)), Attr.ints("perm", 0, 2, 1, 3));
    }

    private static String causalMask(OnnxGraph g, int n) {
        float[] mask = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mask[i * n + j] = -1e9f;
            }
        }
        return g.constant(new long[] {1, 1, n, n}, mask);
    }
}
