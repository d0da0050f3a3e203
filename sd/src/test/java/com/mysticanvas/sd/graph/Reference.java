package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.model.VaeConfig;
import com.mysticanvas.sd.safetensors.SafeTensors;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The SD networks in plain Java, written from the published architectures (ldm / sgm, HF CLIP, open_clip) independently of the
 * graph builders: the oracle the ONNX graphs are checked against. One image at a time, slow, f32 throughout.
 * Activations are [C][H*W] flattened as {@code float[]} with explicit sizes.
 */
final class Reference {
    private final SafeTensors st;
    private final String prefix;

    Reference(SafeTensors st, String prefix) {
        this.st = st;
        this.prefix = prefix;
    }

    private float[] w(String name) {
        return st.floats(prefix + name);
    }

    /** A feature map: c channels of h*w. */
    record Map(float[] d, int c, int h, int w) {}

    // ---------- CLIP ----------
    float[] clip(ClipConfig c, long[] ids, boolean penultimate) {
        return clip(c, ids, penultimate ? 2 : 1);
    }

    /** A1111's clip skip {@code skip}: the final-normed output after all but the last {@code skip - 1} layers. */
    float[] clip(ClipConfig c, long[] ids, int skip) {
        int n = ids.length;
        int width = c.width();
        float[] h = embed(ids, width, "text_model.embeddings.token_embedding.weight",
                "text_model.embeddings.position_embedding.weight");
        float[] before = h;
        float[] skipped = null;
        for (int l = 0; l < c.layers(); l++) {
            String p = "text_model.encoder.layers." + l;
            before = h.clone();
            if (l == c.layers() - skip + 1) {
                skipped = before;
            }
            float[] x = layerNorm(h, n, width, p + ".layer_norm1");
            float[] q = linear(x, n, width, width, p + ".self_attn.q_proj", true);
            float[] k = linear(x, n, width, width, p + ".self_attn.k_proj", true);
            float[] v = linear(x, n, width, width, p + ".self_attn.v_proj", true);
            float[] a = attention(q, k, v, n, n, width, c.heads(), true);
            add(h, linear(a, n, width, width, p + ".self_attn.out_proj", true));
            float[] m = linear(layerNorm(h, n, width, p + ".layer_norm2"), n, width, c.ffWidth(), p + ".mlp.fc1", true);
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) (m[i] / (1 + Math.exp(-1.702 * m[i])));
            }
            add(h, linear(m, n, c.ffWidth(), width, p + ".mlp.fc2", true));
        }
        lastBefore = before;
        return layerNorm(skip == 1 ? h : skipped, n, width, "text_model.final_layer_norm");
    }

    /** Token embedding plus position embedding, per position. */
    private float[] embed(long[] ids, int width, String tokens, String positions) {
        float[] tok = w(tokens);
        float[] pos = w(positions);
        float[] h = new float[ids.length * width];
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < width; j++) {
                h[i * width + j] = tok[(int) ids[i] * width + j] + pos[i * width + j];
            }
        }
        return h;
    }

    /** The input of the last layer of the last {@link #clip} call, before the final norm (SDXL's "hidden" layer -2). */
    float[] lastBefore;

    /**
     * OpenCLIP's text transformer (open_clip {@code TextTransformer}: pre-norm residual blocks with a fused
     * {@code in_proj}, exact GELU, a causal mask, {@code ln_final}), as SD 2.x and SDXL use it. Returns the last
     * layer normed, the input of the last layer normed and not, and the pooled embedding: the normed last layer at
     * the first position of the largest id (the end token) times {@code text_projection} ({@code x @ P}).
     */
    float[][] openClip(ClipConfig c, long[] ids) {
        int n = ids.length;
        int width = c.width();
        float[] h = embed(ids, width, "token_embedding.weight", "positional_embedding");
        float[] before = h;
        for (int l = 0; l < c.layers(); l++) {
            String p = "transformer.resblocks." + l;
            before = h.clone();
            float[] x = layerNorm(h, n, width, p + ".ln_1");
            float[] inWeight = w(p + ".attn.in_proj_weight");
            float[] inBias = w(p + ".attn.in_proj_bias");
            float[][] qkv = new float[3][n * width];
            for (int part = 0; part < 3; part++) {
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < width; o++) {
                        int row = part * width + o;
                        double sum = inBias[row];
                        for (int k = 0; k < width; k++) {
                            sum += x[i * width + k] * inWeight[row * width + k];
                        }
                        qkv[part][i * width + o] = (float) sum;
                    }
                }
            }
            float[] a = attention(qkv[0], qkv[1], qkv[2], n, n, width, c.heads(), true);
            add(h, linear(a, n, width, width, p + ".attn.out_proj", true));
            float[] m = linear(layerNorm(h, n, width, p + ".ln_2"), n, width, c.ffWidth(), p + ".mlp.c_fc", true);
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) (0.5 * m[i] * (1 + erf(m[i] / Math.sqrt(2))));
            }
            add(h, linear(m, n, c.ffWidth(), width, p + ".mlp.c_proj", true));
        }
        float[] last = layerNorm(h, n, width, "ln_final");
        int end = 0;
        for (int i = 1; i < n; i++) {
            if (ids[i] > ids[end]) {
                end = i;
            }
        }
        float[] projection = w("text_projection");
        int out = projection.length / width;
        float[] pooled = new float[out];
        for (int j = 0; j < out; j++) {
            double sum = 0;
            for (int k = 0; k < width; k++) {
                sum += last[end * width + k] * projection[k * out + j];
            }
            pooled[j] = (float) sum;
        }
        return new float[][] {last, layerNorm(before, n, width, "ln_final"), before, pooled};
    }

    // ---------- UNet ----------
    float[] unet(UNetConfig c, Map x, float t, float[] context, int ctxLen) {
        return unet(c, x, t, context, ctxLen, null);
    }

    /** {@code y}: SDXL's vector, added to the time embedding through {@code label_emb} (sgm's ADM input). */
    float[] unet(UNetConfig c, Map x, float t, float[] context, int ctxLen, float[] y) {
        int half = c.channels() / 2;
        float[] temb = new float[c.channels()];
        for (int i = 0; i < half; i++) {
            double arg = t * Math.exp(-Math.log(10000) * i / half);
            temb[i] = (float) Math.cos(arg);
            temb[half + i] = (float) Math.sin(arg);
        }
        float[] emb = linear(silu(linear(temb, 1, c.channels(), c.timeWidth(), "time_embed.0", true)), 1,
                c.timeWidth(), c.timeWidth(), "time_embed.2", true);
        if (c.admChannels() > 0) {
            float[] label = linear(silu(linear(y, 1, c.admChannels(), c.timeWidth(), "label_emb.0.0", true)), 1,
                    c.timeWidth(), c.timeWidth(), "label_emb.0.2", true);
            add(emb, label);
        }
        float[] embSilu = silu(emb);
        Deque<Map> hs = new ArrayDeque<>();
        Map h = conv(x, "input_blocks.0.0", c.channels(), 3, 1, 1, 1);
        hs.push(h);
        int block = 0;
        for (int level = 0; level < c.levels(); level++) {
            for (int j = 0; j < c.resBlocks(); j++) {
                String p = "input_blocks." + ++block;
                h = resBlock(h, p + ".0", c.channels() * c.mult()[level], embSilu, c.timeWidth());
                if (c.attention(level)) {
                    h = transformer(h, p + ".1", c, c.depth()[level], context, ctxLen);
                }
                hs.push(h);
            }
            if (level < c.levels() - 1) {
                h = conv(h, "input_blocks." + ++block + ".0.op", h.c(), 3, 2, 1, 1);
                hs.push(h);
            }
        }
        h = resBlock(h, "middle_block.0", h.c(), embSilu, c.timeWidth());
        h = transformer(h, "middle_block.1", c, c.midDepth(), context, ctxLen);
        h = resBlock(h, "middle_block.2", h.c(), embSilu, c.timeWidth());
        block = 0;
        for (int level = c.levels() - 1; level >= 0; level--) {
            for (int j = 0; j <= c.resBlocks(); j++, block++) {
                String p = "output_blocks." + block;
                h = concat(h, hs.pop());
                h = resBlock(h, p + ".0", c.channels() * c.mult()[level], embSilu, c.timeWidth());
                int sub = 1;
                if (c.attention(level)) {
                    h = transformer(h, p + ".1", c, c.depth()[level], context, ctxLen);
                    sub = 2;
                }
                if (level > 0 && j == c.resBlocks()) {
                    Map skip = hs.peek();
                    h = conv(upsample(h, skip.h(), skip.w()), p + "." + sub + ".conv", h.c(), 3, 1, 1, 1);
                }
            }
        }
        h = new Map(silu(groupNorm(h, "out.0", 1e-5f).d()), h.c(), h.h(), h.w());
        return conv(h, "out.2", c.outChannels(), 3, 1, 1, 1).d();
    }

    private Map resBlock(Map x, String p, int out, float[] embSilu, int embWidth) {
        Map h = act(groupNorm(x, p + ".in_layers.0", 1e-5f));
        h = conv(h, p + ".in_layers.2", out, 3, 1, 1, 1);
        float[] e = linear(embSilu, 1, embWidth, out, p + ".emb_layers.1", true);
        int hw = h.h() * h.w();
        for (int ch = 0; ch < out; ch++) {
            for (int i = 0; i < hw; i++) {
                h.d()[ch * hw + i] += e[ch];
            }
        }
        h = conv(act(groupNorm(h, p + ".out_layers.0", 1e-5f)), p + ".out_layers.3", out, 3, 1, 1, 1);
        Map skip = x.c() == out ? x : conv(x, p + ".skip_connection", out, 1, 1, 0, 0);
        add(h.d(), skip.d());
        return h;
    }

    private Map transformer(Map x, String p, UNetConfig c, int depth, float[] context, int ctxLen) {
        int ch = x.c();
        int n = x.h() * x.w();
        // ldm: num_heads = ch // num_head_channels; a tiny model's 32-channel level would get 0, so 1 there
        int heads = c.headDim() > 0 ? Math.max(1, ch / c.headDim()) : c.heads();
        Map normed = groupNorm(x, p + ".norm", 1e-6f);
        // ldm's SpatialTransformer: proj_in a 1x1 convolution before flattening to tokens, or with use_linear a
        // linear layer on the tokens (and proj_out likewise after or before reshaping back)
        float[] tokens = c.linearProjection()
                ? linear(transpose(normed.d(), ch, n), n, ch, ch, p + ".proj_in", true)
                : transpose(conv(normed, p + ".proj_in", ch, 1, 1, 0, 0).d(), ch, n);
        for (int d = 0; d < depth; d++) {
            String b = p + ".transformer_blocks." + d;
            float[] a = layerNorm(tokens, n, ch, b + ".norm1");
            add(tokens, crossAttention(a, n, a, n, ch, ch, b + ".attn1", heads));
            a = layerNorm(tokens, n, ch, b + ".norm2");
            add(tokens, crossAttention(a, n, context, ctxLen, c.contextWidth(), ch, b + ".attn2", heads));
            a = layerNorm(tokens, n, ch, b + ".norm3");
            float[] proj = linear(a, n, ch, ch * 8, b + ".ff.net.0.proj", true);
            float[] gated = new float[n * ch * 4];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < ch * 4; j++) {
                    float gate = proj[i * ch * 8 + ch * 4 + j];
                    gated[i * ch * 4 + j] = proj[i * ch * 8 + j] * (float) (0.5 * gate * (1 + erf(gate / Math.sqrt(2))));
                }
            }
            add(tokens, linear(gated, n, ch * 4, ch, b + ".ff.net.2", true));
        }
        Map out = c.linearProjection()
                ? new Map(transpose(linear(tokens, n, ch, ch, p + ".proj_out", true), n, ch), ch, x.h(), x.w())
                : conv(new Map(transpose(tokens, n, ch), ch, x.h(), x.w()), p + ".proj_out", ch, 1, 1, 0, 0);
        add(out.d(), x.d());
        return out;
    }

    private float[] crossAttention(float[] x, int n, float[] ctx, int m, int ctxWidth, int ch, String p, int heads) {
        float[] q = linear(x, n, ch, ch, p + ".to_q", false);
        float[] k = linear(ctx, m, ctxWidth, ch, p + ".to_k", false);
        float[] v = linear(ctx, m, ctxWidth, ch, p + ".to_v", false);
        return linear(attention(q, k, v, n, m, ch, heads, false), n, ch, ch, p + ".to_out.0", true);
    }

    // ---------- VAE ----------
    Map vaeDecode(VaeConfig c, Map z) {
        float[] scaled = z.d().clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] /= c.scale();
        }
        Map h = conv(new Map(scaled, z.c(), z.h(), z.w()), "post_quant_conv", z.c(), 1, 1, 0, 0);
        int levels = c.mult().length;
        h = conv(h, "decoder.conv_in", c.channels() * c.mult()[levels - 1], 3, 1, 1, 1);
        h = vaeMid(h, "decoder.mid");
        for (int level = levels - 1; level >= 0; level--) {
            for (int j = 0; j <= c.resBlocks(); j++) {
                h = vaeRes(h, "decoder.up." + level + ".block." + j, c.channels() * c.mult()[level]);
            }
            if (level > 0) {
                h = conv(upsample(h, h.h() * 2, h.w() * 2), "decoder.up." + level + ".upsample.conv", h.c(), 3, 1, 1, 1);
            }
        }
        h = act(groupNorm(h, "decoder.norm_out", 1e-6f));
        return conv(h, "decoder.conv_out", c.imageChannels(), 3, 1, 1, 1);
    }

    Map vaeEncode(VaeConfig c, Map image) {
        Map h = conv(image, "encoder.conv_in", c.channels(), 3, 1, 1, 1);
        int levels = c.mult().length;
        for (int level = 0; level < levels; level++) {
            for (int j = 0; j < c.resBlocks(); j++) {
                h = vaeRes(h, "encoder.down." + level + ".block." + j, c.channels() * c.mult()[level]);
            }
            if (level < levels - 1) {
                h = conv(h, "encoder.down." + level + ".downsample.conv", h.c(), 3, 2, 0, 1);
            }
        }
        h = vaeMid(h, "encoder.mid");
        h = act(groupNorm(h, "encoder.norm_out", 1e-6f));
        h = conv(h, "encoder.conv_out", 2 * c.latentChannels(), 3, 1, 1, 1);
        h = conv(h, "quant_conv", 2 * c.latentChannels(), 1, 1, 0, 0);
        int n = c.latentChannels() * h.h() * h.w();
        float[] mean = new float[n];
        for (int i = 0; i < n; i++) {
            mean[i] = h.d()[i] * c.scale();
        }
        return new Map(mean, c.latentChannels(), h.h(), h.w());
    }

    private Map vaeMid(Map h, String p) {
        h = vaeRes(h, p + ".block_1", h.c());
        int ch = h.c();
        int n = h.h() * h.w();
        Map norm = groupNorm(h, p + ".attn_1.norm", 1e-6f);
        float[] q = transpose(conv(norm, p + ".attn_1.q", ch, 1, 1, 0, 0).d(), ch, n);
        float[] k = transpose(conv(norm, p + ".attn_1.k", ch, 1, 1, 0, 0).d(), ch, n);
        float[] v = transpose(conv(norm, p + ".attn_1.v", ch, 1, 1, 0, 0).d(), ch, n);
        float[] o = transpose(attention(q, k, v, n, n, ch, 1, false), n, ch);
        Map out = conv(new Map(o, ch, h.h(), h.w()), p + ".attn_1.proj_out", ch, 1, 1, 0, 0);
        add(out.d(), h.d());
        return vaeRes(out, p + ".block_2", ch);
    }

    private Map vaeRes(Map x, String p, int out) {
        Map h = conv(act(groupNorm(x, p + ".norm1", 1e-6f)), p + ".conv1", out, 3, 1, 1, 1);
        h = conv(act(groupNorm(h, p + ".norm2", 1e-6f)), p + ".conv2", out, 3, 1, 1, 1);
        Map skip = x.c() == out ? x : conv(x, p + ".nin_shortcut", out, 1, 1, 0, 0);
        add(h.d(), skip.d());
        return h;
    }

    // ---------- ops ----------
    /** Convolution with padding {@code padBegin} top/left and {@code padEnd} bottom/right. */
    Map conv(Map x, String p, int out, int k, int stride, int padBegin, int padEnd) {
        float[] wt = w(p + ".weight");
        float[] b = w(p + ".bias");
        int ho = (x.h() + padBegin + padEnd - k) / stride + 1;
        int wo = (x.w() + padBegin + padEnd - k) / stride + 1;
        float[] y = new float[out * ho * wo];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    double s = b[o];
                    for (int c = 0; c < x.c(); c++) {
                        for (int ki = 0; ki < k; ki++) {
                            int yi = i * stride + ki - padBegin;
                            if (yi < 0 || yi >= x.h()) {
                                continue;
                            }
                            for (int kj = 0; kj < k; kj++) {
                                int xj = j * stride + kj - padBegin;
                                if (xj < 0 || xj >= x.w()) {
                                    continue;
                                }
                                s += wt[((o * x.c() + c) * k + ki) * k + kj] * x.d()[(c * x.h() + yi) * x.w() + xj];
                            }
                        }
                    }
                    y[(o * ho + i) * wo + j] = (float) s;
                }
            }
        }
        return new Map(y, out, ho, wo);
    }

    private Map groupNorm(Map x, String p, float eps) {
        float[] g = w(p + ".weight");
        float[] b = w(p + ".bias");
        int groups = 32;
        int per = x.c() / groups;
        int hw = x.h() * x.w();
        float[] y = new float[x.d().length];
        for (int gi = 0; gi < groups; gi++) {
            int from = gi * per * hw;
            int to = from + per * hw;
            double mean = 0;
            for (int i = from; i < to; i++) {
                mean += x.d()[i];
            }
            mean /= to - from;
            double var = 0;
            for (int i = from; i < to; i++) {
                var += (x.d()[i] - mean) * (x.d()[i] - mean);
            }
            var /= to - from;
            double inv = 1 / Math.sqrt(var + eps);
            for (int i = from; i < to; i++) {
                int ch = i / hw;
                y[i] = (float) ((x.d()[i] - mean) * inv * g[ch] + b[ch]);
            }
        }
        return new Map(y, x.c(), x.h(), x.w());
    }

    private float[] layerNorm(float[] x, int n, int d, String p) {
        float[] g = w(p + ".weight");
        float[] b = w(p + ".bias");
        float[] y = new float[n * d];
        for (int i = 0; i < n; i++) {
            double mean = 0;
            double var = 0;
            for (int j = 0; j < d; j++) {
                mean += x[i * d + j];
            }
            mean /= d;
            for (int j = 0; j < d; j++) {
                var += (x[i * d + j] - mean) * (x[i * d + j] - mean);
            }
            var /= d;
            double inv = 1 / Math.sqrt(var + 1e-5);
            for (int j = 0; j < d; j++) {
                y[i * d + j] = (float) ((x[i * d + j] - mean) * inv * g[j] + b[j]);
            }
        }
        return y;
    }

    float[] linear(float[] x, int n, int in, int out, String p, boolean bias) {
        float[] wt = w(p + ".weight");
        float[] b = bias ? w(p + ".bias") : null;
        float[] y = new float[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int k = 0; k < in; k++) {
                    s += x[i * in + k] * wt[o * in + k];
                }
                y[i * out + o] = (float) s;
            }
        }
        return y;
    }

    private static float[] attention(float[] q, float[] k, float[] v, int n, int m, int d, int heads, boolean causal) {
        int hd = d / heads;
        double scale = 1 / Math.sqrt(hd);
        float[] out = new float[n * d];
        double[] s = new double[m];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i * d + h * hd + e] * k[j * d + h * hd + e];
                    }
                    s[j] = causal && j > i ? Double.NEGATIVE_INFINITY : dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < m; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int j = 0; j < m; j++) {
                        acc += s[j] * v[j * d + h * hd + e];
                    }
                    out[i * d + h * hd + e] = (float) (acc / sum);
                }
            }
        }
        return out;
    }

    private static Map upsample(Map x, int ho, int wo) {
        float[] y = new float[x.c() * ho * wo];
        for (int c = 0; c < x.c(); c++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    y[(c * ho + i) * wo + j] = x.d()[(c * x.h() + i * x.h() / ho) * x.w() + j * x.w() / wo];
                }
            }
        }
        return new Map(y, x.c(), ho, wo);
    }

    private static Map concat(Map a, Map b) {
        float[] y = new float[a.d().length + b.d().length];
        System.arraycopy(a.d(), 0, y, 0, a.d().length);
        System.arraycopy(b.d(), 0, y, a.d().length, b.d().length);
        return new Map(y, a.c() + b.c(), a.h(), a.w());
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] y = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                y[j * rows + i] = x[i * cols + j];
            }
        }
        return y;
    }

    private static float[] silu(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] / (1 + Math.exp(-x[i])));
        }
        return y;
    }

    private static Map act(Map x) {
        return new Map(silu(x.d()), x.c(), x.h(), x.w());
    }

    private static void add(float[] acc, float[] x) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }

    /** erf by Abramowitz and Stegun 7.1.26 (|error| below 1.5e-7), enough for a test oracle. */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }
}
