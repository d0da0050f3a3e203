package com.mysticanvas.sd.lora;

import com.mysticanvas.sd.model.UNetConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a UNet module name (SD 1.x, 2.x, SDXL) from ldm's layout ({@code input_blocks.4.1.proj_in}) to diffusers'
 * ({@code down_blocks.1.attentions.0.proj_in}), which kohya's LoRA names are built from. The block arithmetic
 * follows the config, so it holds for any number of levels and ResBlocks.
 */
public final class DiffusersNames {
    private static final Pattern INPUT = Pattern.compile("input_blocks\\.(\\d+)\\.(\\d+)(.*)");
    private static final Pattern MIDDLE = Pattern.compile("middle_block\\.(\\d+)(.*)");
    private static final Pattern OUTPUT = Pattern.compile("output_blocks\\.(\\d+)\\.(\\d+)(.*)");
    private static final String[][] RESNET = {
        {".in_layers.0", ".norm1"}, {".in_layers.2", ".conv1"}, {".emb_layers.1", ".time_emb_proj"},
        {".out_layers.0", ".norm2"}, {".out_layers.3", ".conv2"}, {".skip_connection", ".conv_shortcut"}};

    private DiffusersNames() {}

    /** The diffusers name of an ldm UNet module (no {@code .weight}), or null when it has none. */
    public static String unet(String ldm, UNetConfig c) {
        int perLevel = c.resBlocks() + 1;
        switch (ldm) {
            case "input_blocks.0.0" -> {
                return "conv_in";
            }
            case "time_embed.0" -> {
                return "time_embedding.linear_1";
            }
            case "time_embed.2" -> {
                return "time_embedding.linear_2";
            }
            case "label_emb.0.0" -> {
                return "add_embedding.linear_1";
            }
            case "label_emb.0.2" -> {
                return "add_embedding.linear_2";
            }
            case "out.0" -> {
                return "conv_norm_out";
            }
            case "out.2" -> {
                return "conv_out";
            }
            default -> { }
        }
        Matcher m = INPUT.matcher(ldm);
        if (m.matches()) {
            int k = Integer.parseInt(m.group(1)) - 1;
            int level = k / perLevel;
            int j = k % perLevel;
            String rest = m.group(3);
            if (k < 0 || level >= c.levels()) {
                return null;
            }
            if (j == c.resBlocks()) {
                return rest.equals(".op") ? "down_blocks." + level + ".downsamplers.0.conv" : null;
            }
            return m.group(2).equals("0") ? "down_blocks." + level + ".resnets." + j + resnet(rest)
                    : "down_blocks." + level + ".attentions." + j + rest;
        }
        m = MIDDLE.matcher(ldm);
        if (m.matches()) {
            return switch (m.group(1)) {
                case "0" -> "mid_block.resnets.0" + resnet(m.group(2));
                case "1" -> "mid_block.attentions.0" + m.group(2);
                case "2" -> "mid_block.resnets.1" + resnet(m.group(2));
                default -> null;
            };
        }
        m = OUTPUT.matcher(ldm);
        if (m.matches()) {
            int idx = Integer.parseInt(m.group(1));
            int up = idx / perLevel;
            int j = idx % perLevel;
            int sub = Integer.parseInt(m.group(2));
            String rest = m.group(3);
            if (up >= c.levels()) {
                return null;
            }
            boolean attention = c.attention(c.levels() - 1 - up);
            if (sub == 0) {
                return "up_blocks." + up + ".resnets." + j + resnet(rest);
            }
            if (sub == 1 && attention) {
                return "up_blocks." + up + ".attentions." + j + rest;
            }
            return "up_blocks." + up + ".upsamplers.0" + rest;
        }
        return null;
    }

    private static String resnet(String rest) {
        for (String[] r : RESNET) {
            if (rest.startsWith(r[0])) {
                return r[1] + rest.substring(r[0].length());
            }
        }
        return rest;
    }
}
