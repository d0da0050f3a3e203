package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.VaeConfig;
import com.mysticanvas.sd.onnx.Attr;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.util.List;

/**
 * SD's VAE (ldm {@code AutoencoderKL}) as two ONNX graphs. Decoder: {@code latent} [B,z,h,w] (as the sampler
 * produces it; the graph divides by the scaling factor) to {@code image} [B,3,8h,8w] in [-1,1]. Encoder:
 * {@code image} to {@code latent} (the mean of the posterior, times the scaling factor). Tensor names are ldm's
 * ({@code decoder.up.N.block.M...}) without the {@code first_stage_model.} prefix.
 */
public final class VaeGraph {
    private static final float EPS = 1e-6f;

    private VaeGraph() {}

    /**
     * Where the decoder's group norms take their statistics from: their own input (as trained); their own, each
     * norm's per-group mean and variance also an output ({@code norm.K.mean}, {@code norm.K.variance}, [B,32,1], K
     * counting the norms in order); or inputs of those names ([1,32,1]), so that the tiles of one image can share
     * the statistics of the whole instead of each normalizing by its own.
     */
    public enum Norms { OWN, REPORTED, GIVEN }

    /** The decoder whose norms keep their own statistics. */
    public static OnnxGraph decoder(VaeConfig c, Weights w) {
        return decoder(c, w, Norms.OWN);
    }

    public static OnnxGraph decoder(VaeConfig c, Weights w, Norms norms) {
        OnnxGraph g = new OnnxGraph("vae_decoder");
        Nn nn = new Nn(g, w, norms);
        long z = c.latentChannels();
        String x = g.input("latent", OnnxGraph.FLOAT, "batch", z, "height", "width");
        String h = nn.conv(g.op("Mul", x, g.scalar(1 / c.scale())), "post_quant_conv", z, z, 1);
        long ch = (long) c.channels() * c.mult()[c.mult().length - 1];
        h = nn.conv(h, "decoder.conv_in", z, ch, 3);
        h = middle(nn, h, "decoder.mid", ch);
        for (int level = c.mult().length - 1; level >= 0; level--) {
            long out = (long) c.channels() * c.mult()[level];
            for (int j = 0; j <= c.resBlocks(); j++) {
                h = resBlock(nn, h, "decoder.up." + level + ".block." + j, ch, out);
                ch = out;
            }
            if (level > 0) {
                h = nn.conv(nn.upsample2x(h), "decoder.up." + level + ".upsample.conv", ch, ch, 3);
            }
        }
        h = nn.silu(nn.groupNorm(h, "decoder.norm_out", ch, EPS));
        h = nn.conv(h, "decoder.conv_out", ch, c.imageChannels(), 3);
        g.output(h, "image", OnnxGraph.FLOAT, "batch", (long) c.imageChannels(), "image_height", "image_width");
        return g;
    }

    public static OnnxGraph encoder(VaeConfig c, Weights w) {
        OnnxGraph g = new OnnxGraph("vae_encoder");
        Nn nn = new Nn(g, w);
        long z = c.latentChannels();
        String x = g.input("image", OnnxGraph.FLOAT, "batch", (long) c.imageChannels(), "image_height", "image_width");
        long ch = c.channels();
        String h = nn.conv(x, "encoder.conv_in", c.imageChannels(), ch, 3);
        for (int level = 0; level < c.mult().length; level++) {
            long out = (long) c.channels() * c.mult()[level];
            for (int j = 0; j < c.resBlocks(); j++) {
                h = resBlock(nn, h, "encoder.down." + level + ".block." + j, ch, out);
                ch = out;
            }
            if (level < c.mult().length - 1) {
                // ldm pads right and bottom only, then a stride-2 convolution without padding
                h = nn.conv(h, "encoder.down." + level + ".downsample.conv", ch, ch, 3, 2, 0, 0, 1, 1);
            }
        }
        h = middle(nn, h, "encoder.mid", ch);
        h = nn.silu(nn.groupNorm(h, "encoder.norm_out", ch, EPS));
        h = nn.conv(h, "encoder.conv_out", ch, 2 * z, 3);
        h = nn.conv(h, "quant_conv", 2 * z, 2 * z, 1);
        String mean = g.op("Slice", List.of(h, g.longs(0), g.longs(z), g.longs(1)));
        g.output(g.op("Mul", mean, g.scalar(c.scale())), "latent", OnnxGraph.FLOAT, "batch", z, "height", "width");
        return g;
    }

    private static String middle(Nn nn, String h, String p, long ch) {
        h = resBlock(nn, h, p + ".block_1", ch, ch);
        h = attention(nn, h, p + ".attn_1", ch);
        return resBlock(nn, h, p + ".block_2", ch, ch);
    }

    private static String resBlock(Nn nn, String x, String p, long in, long out) {
        String h = nn.conv(nn.silu(nn.groupNorm(x, p + ".norm1", in, EPS)), p + ".conv1", in, out, 3);
        h = nn.conv(nn.silu(nn.groupNorm(h, p + ".norm2", out, EPS)), p + ".conv2", out, out, 3);
        String skip = in == out ? x : nn.conv(x, p + ".nin_shortcut", in, out, 1);
        return nn.add(skip, h);
    }

    /** Single-head self-attention over all positions, with 1x1 convolutions as projections. */
    private static String attention(Nn nn, String x, String p, long ch) {
        String h = nn.groupNorm(x, p + ".norm", ch, EPS);
        String q = nn.toTokens(nn.conv(h, p + ".q", ch, ch, 1), ch);
        String k = nn.toTokens(nn.conv(h, p + ".k", ch, ch, 1), ch);
        String v = nn.toTokens(nn.conv(h, p + ".v", ch, ch, 1), ch);
        String o = nn.fromTokens(nn.attention(q, k, v, 1), x);
        return nn.add(x, nn.conv(o, p + ".proj_out", ch, ch, 1));
    }
}
