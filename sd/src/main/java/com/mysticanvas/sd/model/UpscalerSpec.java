package com.mysticanvas.sd.model;

import com.mysticanvas.sd.safetensors.ModelFileException;
import com.mysticanvas.sd.safetensors.SafeTensors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The architecture of an upscaler model file, read from its tensor names and shapes, as A1111 (through spandrel)
 * tells them apart. Two families cover the ESRGAN-style models users have: ESRGAN's RRDBNet (the original
 * {@code model.N...} layout of 4x-UltraSharp and its kin, and basicsr's {@code conv_first...} layout of Real-ESRGAN)
 * and Real-ESRGAN's compact SRVGG network ({@code body.N}, PReLU activations).
 */
public sealed interface UpscalerSpec {
    /** How many times wider and taller the output is than the input. */
    int scale();

    /**
     * RRDBNet in basicsr's names ({@link #inspect} renames the original layout): {@code conv_first}, {@code blocks}
     * x RRDB {@code body.i.rdb1..3.conv1..5}, {@code conv_body}, {@code upsamplings} x (nearest 2x,
     * {@code conv_up1..}), {@code conv_hr}, {@code conv_last}. Basicsr's x2 and x1 models pixel-unshuffle the input
     * by {@code unshuffle} first and always upsample twice.
     */
    record Rrdb(int features, int blocks, int growth, int upsamplings, int unshuffle) implements UpscalerSpec {
        @Override
        public int scale() {
            return (1 << upsamplings) / unshuffle;
        }
    }

    /** SRVGGNetCompact: {@code convs} hidden 3x3 convolutions with PReLU, a pixel shuffle, plus the nearest-upscaled input. */
    record Compact(int features, int convs, int scale) implements UpscalerSpec {}

    Pattern OLD_RDB = Pattern.compile("model\\.1\\.sub\\.(\\d+)\\.RDB(\\d)\\.conv(\\d)\\.0\\.(weight|bias)");
    Pattern OLD_TOP = Pattern.compile("model\\.(\\d+)\\.(weight|bias)");

    /** The file's tensors with any wrapper prefix removed ({@code params_ema.}, {@code params.}, {@code module.}). */
    static SafeTensors unwrapped(SafeTensors st) {
        for (String wrapper : new String[] {"params_ema.", "params.", "module."}) {
            if (st.tensors().keySet().stream().allMatch(k -> k.startsWith(wrapper))) {
                return st.renamed(k -> k.substring(wrapper.length()));
            }
        }
        return st;
    }

    /**
     * The architecture of {@code st}, which must be {@link #unwrapped} and, for the original ESRGAN layout,
     * renamed by {@link #basicsrNames}; anything else is a {@link ModelFileException} naming the file.
     */
    static UpscalerSpec inspect(SafeTensors st) {
        if (st.has("conv_first.weight")) {
            long[] first = st.tensor("conv_first.weight").shape();
            int features = (int) first[0];
            int unshuffle = switch ((int) first[1]) {
                case 3 -> 1;
                case 12 -> 2;
                case 48 -> 4;
                default -> throw new ModelFileException(st.fileName(), "an RRDBNet upscaler whose first convolution takes "
                        + first[1] + " channels (expected 3, 12 or 48)");
            };
            int blocks = 0;
            while (st.has("body." + blocks + ".rdb1.conv1.weight")) {
                blocks++;
            }
            int ups = 0;
            while (st.has("conv_up" + (ups + 1) + ".weight")) {
                ups++;
            }
            int growth = (int) st.tensor("body.0.rdb1.conv1.weight").shape()[0];
            return new Rrdb(features, blocks, growth, ups, unshuffle);
        }
        if (st.has("body.0.weight") && st.has("body.1.weight") && st.tensor("body.1.weight").shape().length == 1) {
            int last = 0;
            while (st.has("body." + (last + 2) + ".weight")) {
                last += 2;
            }
            long out = st.tensor("body." + last + ".weight").shape()[0];
            int scale = (int) Math.round(Math.sqrt(out / 3.0));
            if (scale * scale * 3 != out) {
                throw new ModelFileException(st.fileName(), "a compact upscaler whose last convolution makes " + out
                        + " channels, not 3 x scale^2");
            }
            return new Compact((int) st.tensor("body.0.weight").shape()[0], last / 2 - 1, scale);
        }
        if (st.has("body.0.weight")) {
            throw new ModelFileException(st.fileName(), "a compact upscaler without PReLU weights (ReLU variants are not supported)");
        }
        throw new ModelFileException(st.fileName(), "not an upscaler model this worker knows: expected ESRGAN's RRDBNet "
                + "(model.0 / conv_first) or Real-ESRGAN's compact network (body.N); "
                + "SwinIR, HAT, DAT and other architectures are not supported");
    }

    /**
     * The original ESRGAN layout ({@code model.0}, {@code model.1.sub.i.RDBj.convk.0}, then a convolution every third
     * index for each 2x upsampling, the HR and last convolutions) under basicsr's names; other files unchanged.
     */
    static SafeTensors basicsrNames(SafeTensors st) {
        if (!st.has("model.0.weight")) {
            return st;
        }
        int top = st.tensors().keySet().stream().map(OLD_TOP::matcher).filter(Matcher::matches)
                .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElse(0);
        if (top < 4 || (top - 4) % 3 != 0) {
            throw new ModelFileException(st.fileName(), "an ESRGAN layout whose last layer is model." + top
                    + ": expected model.(3n+4) after n upsamplings");
        }
        int ups = (top - 4) / 3;
        int blocks = (int) st.tensors().keySet().stream().map(OLD_RDB::matcher).filter(Matcher::matches)
                .map(m -> m.group(1)).distinct().count();
        return st.renamed(key -> {
            Matcher rdb = OLD_RDB.matcher(key);
            if (rdb.matches()) {
                return "body." + rdb.group(1) + ".rdb" + rdb.group(2) + ".conv" + rdb.group(3) + "." + rdb.group(4);
            }
            if (key.startsWith("model.1.sub." + blocks + ".")) {
                return "conv_body." + key.substring(("model.1.sub." + blocks + ".").length());
            }
            Matcher m = OLD_TOP.matcher(key);
            if (!m.matches()) {
                return key;
            }
            int i = Integer.parseInt(m.group(1));
            String layer = i == 0 ? "conv_first" : i == 3 * ups + 2 ? "conv_hr" : i == 3 * ups + 4 ? "conv_last"
                    : i % 3 == 0 && i <= 3 * ups ? "conv_up" + i / 3 : "model." + i;
            return layer + "." + m.group(2);
        });
    }
}
