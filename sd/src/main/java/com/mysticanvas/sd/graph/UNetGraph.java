package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * SD's UNet (ldm's and sgm's {@code UNetModel}) as an ONNX graph. Inputs: {@code sample} [B,C,h,w],
 * {@code timestep} [B], {@code context} [B,L,W] and, for SDXL, {@code y} [B,adm]; output {@code prediction} [B,C,h,w]
 * (the model's prediction, eps or v as it was trained). Tensor names are ldm's
 * ({@code input_blocks.N.M...}) without the {@code model.diffusion_model.} prefix.
 */
public final class UNetGraph {
    private static final float RES_EPS = 1e-5f;
    private static final float TRANSFORMER_NORM_EPS = 1e-6f;

    private final Nn nn;
    private final UNetConfig c;
    private String embSilu;
    private String context;

    private UNetGraph(Nn nn, UNetConfig c) {
        this.nn = nn;
        this.c = c;
    }

    public static OnnxGraph build(UNetConfig c, Weights w) {
        OnnxGraph g = new OnnxGraph("unet");
        new UNetGraph(new Nn(g, w), c).define();
        return g;
    }

    /**
     * The UNet weights to keep in their stored 16-bit form and widen at every step rather than once at load: those
     * that do little arithmetic per step. The deepest level (latent/8, 8x8 at 512x512; its downsampling convolution
     * and the middle block included, its upsampling convolution, which runs one level up, not) holds 36% of SD
     * 1.5's weights but few of its FLOPs; the timestep-embedding projections see one row per image; the
     * cross-attention key and value projections see only the context tokens. For SD 1.5 that is 41% of the
     * weights: 1.4 GB of f32 that is never made (0.7 GB of f16 stays mapped from the file instead), and the load
     * no longer folds and reorders them (its peak). Widening them costs about 2% of a step at 512x512.
     */
    public static Predicate<String> keptNarrow(UNetConfig c) {
        Predicate<String> light = name -> name.startsWith("time_embed.") || name.startsWith("label_emb.")
                || name.contains(".emb_layers.")
                || name.contains(".attn2.to_k.") || name.contains(".attn2.to_v.");
        if (c.levels() < 2) {
            return light;
        }
        int perLevel = c.resBlocks() + 1; // res blocks, then the downsampling block (the up path: one more res block)
        int firstDeep = 1 + (c.levels() - 1) * perLevel; // input_blocks.0 is conv_in
        int upsample = c.attention(c.levels() - 1) ? 2 : 1; // output_blocks.{resBlocks}.{this}.conv
        String upsampleConv = "output_blocks." + c.resBlocks() + "." + upsample + ".conv.";
        return light.or(name -> {
            if (name.startsWith("middle_block.")) {
                return true;
            }
            int input = blockIndex(name, "input_blocks.");
            int output = blockIndex(name, "output_blocks.");
            return input >= firstDeep - 1 || (output >= 0 && output <= c.resBlocks() && !name.startsWith(upsampleConv));
        });
    }

    /** N in {@code prefix}N.…, or -1. */
    private static int blockIndex(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return -1;
        }
        int end = name.indexOf('.', prefix.length());
        return Integer.parseInt(name.substring(prefix.length(), end));
    }

    private void define() {
        OnnxGraph g = nn.g;
        String x = g.input("sample", OnnxGraph.FLOAT, "batch", (long) c.inChannels(), "height", "width");
        String t = g.input("timestep", OnnxGraph.FLOAT, "batch");
        context = g.input("context", OnnxGraph.FLOAT, "batch", "tokens", (long) c.contextWidth());

        String emb = timeEmbedding(t);
        if (c.admChannels() > 0) { // SDXL's vector conditioning (pooled text, sizes, crop, aesthetic score)
            String y = g.input("y", OnnxGraph.FLOAT, "batch", (long) c.admChannels());
            String label = nn.linear(y, "label_emb.0.0", c.admChannels(), c.timeWidth(), true);
            emb = nn.add(emb, nn.linear(nn.silu(label), "label_emb.0.2", c.timeWidth(), c.timeWidth(), true));
        }
        embSilu = nn.silu(emb);

        Deque<String> skips = new ArrayDeque<>();
        Deque<Long> skipChannels = new ArrayDeque<>();
        long ch = c.channels();
        int block = 0;
        String h = nn.conv(x, "input_blocks.0.0", c.inChannels(), ch, 3);
        skips.push(h);
        skipChannels.push(ch);
        for (int level = 0; level < c.levels(); level++) {
            long out = (long) c.channels() * c.mult()[level];
            for (int j = 0; j < c.resBlocks(); j++) {
                String p = "input_blocks." + ++block;
                h = resBlock(h, p + ".0", ch, out);
                ch = out;
                if (c.attention(level)) {
                    h = transformer(h, p + ".1", ch, c.depth()[level]);
                }
                skips.push(h);
                skipChannels.push(ch);
            }
            if (level < c.levels() - 1) {
                h = nn.conv(h, "input_blocks." + ++block + ".0.op", ch, ch, 3, 2);
                skips.push(h);
                skipChannels.push(ch);
            }
        }
        h = resBlock(h, "middle_block.0", ch, ch);
        h = transformer(h, "middle_block.1", ch, c.midDepth());
        h = resBlock(h, "middle_block.2", ch, ch);

        block = 0;
        for (int level = c.levels() - 1; level >= 0; level--) {
            long out = (long) c.channels() * c.mult()[level];
            for (int j = 0; j <= c.resBlocks(); j++, block++) {
                String p = "output_blocks." + block;
                h = g.op("Concat", List.of(h, skips.pop()), Attr.i("axis", 1));
                h = resBlock(h, p + ".0", ch + skipChannels.pop(), out);
                ch = out;
                int sub = 1;
                if (c.attention(level)) {
                    h = transformer(h, p + ".1", ch, c.depth()[level]);
                    sub = 2;
                }
                if (level > 0 && j == c.resBlocks()) {
                    h = nn.conv(nn.upsampleLike(h, skips.peek()), p + "." + sub + ".conv", ch, ch, 3);
                }
            }
        }
        h = nn.silu(nn.groupNorm(h, "out.0", ch, RES_EPS));
        h = nn.conv(h, "out.2", ch, c.outChannels(), 3);
        g.output(h, "prediction", OnnxGraph.FLOAT, "batch", (long) c.outChannels(), "height", "width");
    }

    /** Sinusoidal embedding [cos | sin] of the timestep (ldm's flip_sin_to_cos), then two linears. */
    private String timeEmbedding(String t) {
        OnnxGraph g = nn.g;
        int half = c.channels() / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            freqs[i] = (float) Math.exp(-Math.log(10000) * i / half);
        }
        String args = g.op("Mul", g.op("Unsqueeze", t, g.longs(1)), g.constant(new long[] {1, half}, freqs));
        String emb = g.op("Concat", List.of(g.op("Cos", args), g.op("Sin", args)), Attr.i("axis", 1));
        emb = nn.linear(emb, "time_embed.0", c.channels(), c.timeWidth(), true);
        return nn.linear(nn.silu(emb), "time_embed.2", c.timeWidth(), c.timeWidth(), true);
    }

    private String resBlock(String x, String p, long in, long out) {
        OnnxGraph g = nn.g;
        String h = nn.conv(nn.silu(nn.groupNorm(x, p + ".in_layers.0", in, RES_EPS)), p + ".in_layers.2", in, out, 3);
        String e = nn.linear(embSilu, p + ".emb_layers.1", c.timeWidth(), out, true);
        h = nn.add(h, g.op("Unsqueeze", e, g.longs(2, 3)));
        h = nn.conv(nn.silu(nn.groupNorm(h, p + ".out_layers.0", out, RES_EPS)), p + ".out_layers.3", out, out, 3);
        String skip = in == out ? x : nn.conv(x, p + ".skip_connection", in, out, 1);
        return nn.add(skip, h);
    }

    /** ldm's SpatialTransformer: proj_in as a 1x1 convolution (SD 1.x) or a linear layer on tokens (SD 2.x, SDXL). */
    private String transformer(String x, String p, long ch, int depth) {
        String h = nn.groupNorm(x, p + ".norm", ch, TRANSFORMER_NORM_EPS);
        h = c.linearProjection() ? nn.linear(nn.toTokens(h, ch), p + ".proj_in", ch, ch, true)
                : nn.toTokens(nn.conv(h, p + ".proj_in", ch, ch, 1), ch);
        for (int d = 0; d < depth; d++) {
            String b = p + ".transformer_blocks." + d;
            h = nn.add(attention(nn.layerNorm(h, b + ".norm1", ch), null, b + ".attn1", ch), h);
            h = nn.add(attention(nn.layerNorm(h, b + ".norm2", ch), context, b + ".attn2", ch), h);
            h = nn.add(feedForward(nn.layerNorm(h, b + ".norm3", ch), b + ".ff", ch), h);
        }
        h = c.linearProjection() ? nn.fromTokens(nn.linear(h, p + ".proj_out", ch, ch, true), x)
                : nn.conv(nn.fromTokens(h, x), p + ".proj_out", ch, ch, 1);
        return nn.add(h, x);
    }

    private String attention(String x, String ctx, String p, long ch) {
        String kv = ctx == null ? x : ctx;
        long kvWidth = ctx == null ? ch : c.contextWidth();
        String q = nn.linear(x, p + ".to_q", ch, ch, false);
        String k = nn.linear(kv, p + ".to_k", kvWidth, ch, false);
        String v = nn.linear(kv, p + ".to_v", kvWidth, ch, false);
        return nn.linear(nn.attention(q, k, v, c.headsAt(ch)), p + ".to_out.0", ch, ch, true);
    }

    /** GEGLU: one projection to twice the inner width, value * gelu(gate), then back down. */
    private String feedForward(String x, String p, long ch) {
        OnnxGraph g = nn.g;
        long inner = ch * 4;
        String proj = nn.linear(x, p + ".net.0.proj", ch, inner * 2, true);
        String[] halves = g.op("", "Split", List.of(proj, g.longs(inner, inner)), 2, Attr.i("axis", -1));
        String gated = g.op("Mul", halves[0], g.op("Gelu", halves[1]));
        return nn.linear(gated, p + ".net.2", inner, ch, true);
    }
}
