package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.List;
import java.util.function.Predicate;

/**
 * A CLIP text transformer (causal, pre-norm) as an ONNX graph, in either of the two namings checkpoints use: OpenAI's
 * CLIP as Hugging Face names it ({@code text_model.encoder.layers.N…}, quick-GELU; SD 1.x, SDXL's first encoder) or
 * OpenCLIP's ({@code transformer.resblocks.N…} with one fused in-projection, exact GELU; SD 2.x's ViT-H, SDXL's bigG).
 * Inputs {@code input_ids} int64 [B, positions], and for textual-inversion embeddings {@code embedding_vectors}
 * [B, positions, width] with {@code embedding_mask} [B, positions, 1]: where the mask is 1 the token embedding is
 * that vector instead (A1111's {@code EmbeddingsWithFixes}, before the position embedding is added); zeros for none.
 * Outputs, each [B, positions, width]: {@code hidden} (the last layer
 * through the final layer norm), {@code penultimate} (the second-to-last layer's output through the final layer norm:
 * A1111's "clip skip 2", SD 2.x's conditioning) and {@code penultimate_raw} (the same without the norm: what SDXL
 * takes from both encoders), and {@code skip_<n>} for n from 3 to the layer count (the output after all but the
 * last n - 1 layers, final-normed: A1111's "clip skip n", its {@code hidden_states[-n]});
 * with a text projection also {@code pooled} [B, projection]: the final-normed last layer
 * at the end token (the highest id, first occurrence) times {@code text_projection}. Tensor names are without the
 * checkpoint's prefix.
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

    /** Where each part's weights are called in one of the two namings. */
    private record Names(String tokens, String positions, String layer, String norm1, String norm2, String out,
                         String fc1, String fc2, String finalNorm) {
        static Names of(ClipConfig.Kind kind) {
            return switch (kind) {
                case OPENAI -> new Names("text_model.embeddings.token_embedding.weight",
                        "text_model.embeddings.position_embedding.weight", "text_model.encoder.layers.",
                        ".layer_norm1", ".layer_norm2", ".self_attn.out_proj", ".mlp.fc1", ".mlp.fc2",
                        "text_model.final_layer_norm");
                case OPEN_CLIP -> new Names("token_embedding.weight", "positional_embedding", "transformer.resblocks.",
                        ".ln_1", ".ln_2", ".attn.out_proj", ".mlp.c_fc", ".mlp.c_proj", "ln_final");
            };
        }
    }

    public static final String EMBEDDING_VECTORS = "embedding_vectors";
    public static final String EMBEDDING_MASK = "embedding_mask";

    public static OnnxGraph build(ClipConfig c, Weights w) {
        OnnxGraph g = new OnnxGraph("clip_text");
        Nn nn = new Nn(g, w);
        Names names = Names.of(c.kind());
        long width = c.width();
        String ids = g.input("input_ids", OnnxGraph.INT64, "batch", (long) c.positions());
        String tokens = g.op("Gather", List.of(w.weight(g, names.tokens(), c.vocab(), width), ids), Attr.i("axis", 0));
        String vectors = g.input(EMBEDDING_VECTORS, OnnxGraph.FLOAT, "batch", (long) c.positions(), width);
        String mask = g.input(EMBEDDING_MASK, OnnxGraph.FLOAT, "batch", (long) c.positions(), 1L);
        tokens = g.op("Add", g.op("Mul", tokens, g.op("Sub", g.scalar(1f), mask)), vectors);
        String h = g.op("Add", tokens, w.weight(g, names.positions(), c.positions(), width));
        String causal = causalMask(g, c.positions());
        String penultimate = h;
        String[] before = new String[c.layers()]; // the input of each layer
        for (int l = 0; l < c.layers(); l++) {
            String p = names.layer() + l;
            penultimate = h;
            before[l] = h;
            h = nn.add(h, selfAttention(nn, nn.layerNorm(h, p + names.norm1(), width), p, names, c, causal));
            String m = nn.linear(nn.layerNorm(h, p + names.norm2(), width), p + names.fc1(), width, c.ffWidth(), true);
            m = c.kind() == ClipConfig.Kind.OPENAI
                    ? g.op("Mul", m, g.op("Sigmoid", g.op("Mul", m, g.scalar(1.702f)))) // quick GELU
                    : g.op("Gelu", m);
            h = nn.add(h, nn.linear(m, p + names.fc2(), c.ffWidth(), width, true));
        }
        String last = nn.layerNorm(h, names.finalNorm(), width);
        g.output(last, "hidden", OnnxGraph.FLOAT, "batch", (long) c.positions(), width);
        g.output(nn.layerNorm(penultimate, names.finalNorm(), width), "penultimate", OnnxGraph.FLOAT, "batch",
                (long) c.positions(), width);
        g.output(penultimate, "penultimate_raw", OnnxGraph.FLOAT, "batch", (long) c.positions(), width);
        for (int n = 3; n <= c.layers(); n++) {
            g.output(nn.layerNorm(before[c.layers() - n + 1], names.finalNorm(), width), skipOutput(n), OnnxGraph.FLOAT,
                    "batch", (long) c.positions(), width);
        }
        if (c.projection()) {
            String end = g.op("ArgMax", g.op("Cast", ids, Attr.i("to", OnnxGraph.INT32)), Attr.i("axis", 1),
                    Attr.i("keepdims", 1));
            String atEnd = g.op("GatherND", List.of(last, end), Attr.i("batch_dims", 1));
            g.output(g.op("MatMul", atEnd, w.weight(g, "text_projection", width, width)), "pooled", OnnxGraph.FLOAT,
                    "batch", width);
        }
        return g;
    }

    /** The output for A1111's clip skip {@code n} (1: the last layer). */
    public static String skipOutput(int n) {
        return switch (n) {
            case 1 -> "hidden";
            case 2 -> "penultimate";
            default -> "skip_" + n;
        };
    }

    /** Attention with an additive causal mask, spelled out: 77 tokens make the score matrix tiny. */
    private static String selfAttention(Nn nn, String x, String p, Names names, ClipConfig c, String mask) {
        OnnxGraph g = nn.g;
        long width = c.width();
        long headDim = width / c.heads();
        String q;
        String k;
        String v;
        if (c.kind() == ClipConfig.Kind.OPENAI) {
            q = nn.linear(x, p + ".self_attn.q_proj", width, width, true);
            k = nn.linear(x, p + ".self_attn.k_proj", width, width, true);
            v = nn.linear(x, p + ".self_attn.v_proj", width, width, true);
        } else {
            String qkv = nn.linear(x, p + ".attn.in_proj_weight", p + ".attn.in_proj_bias", width, 3 * width);
            String[] parts = g.op("", "Split", List.of(qkv, g.longs(width, width, width)), 3, Attr.i("axis", -1));
            q = parts[0];
            k = parts[1];
            v = parts[2];
        }
        String scores = g.op("MatMul", heads(g, q, c.heads(), headDim),
                g.op("Transpose", heads(g, k, c.heads(), headDim), Attr.ints("perm", 0, 1, 3, 2)));
        scores = g.op("Add", g.op("Mul", scores, g.scalar((float) (1 / Math.sqrt(headDim)))), mask);
        String o = g.op("MatMul", g.op("Softmax", scores, Attr.i("axis", -1)), heads(g, v, c.heads(), headDim));
        o = g.op("Reshape", g.op("Transpose", o, Attr.ints("perm", 0, 2, 1, 3)), g.longs(0, 0, width));
        return nn.linear(o, p + names.out(), width, width, true);
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
