package com.mysticanvas.sd.graph;

import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.UNetConfig;
import com.mysticanvas.sd.model.UpscalerSpec;
import com.mysticanvas.sd.model.VaeConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every tensor name and shape of a network for a config, taken from the graph builders themselves. */
public final class Layouts {
    private Layouts() {}

    public static Map<String, long[]> unet(UNetConfig c) {
        LayoutRecorder r = new LayoutRecorder();
        UNetGraph.build(c, r);
        return r.tensors();
    }

    public static Map<String, long[]> clip(ClipConfig c) {
        LayoutRecorder r = new LayoutRecorder();
        ClipGraph.build(c, r);
        return r.tensors();
    }

    /** Encoder then decoder (a VAE file holds both). */
    public static Map<String, long[]> vae(VaeConfig c) {
        LayoutRecorder r = new LayoutRecorder();
        VaeGraph.encoder(c, r);
        VaeGraph.decoder(c, r);
        return new LinkedHashMap<>(r.tensors());
    }

    /** An upscaler model in basicsr's names (RRDBNet) or SRVGG's ({@code body.N}). */
    public static Map<String, long[]> upscaler(UpscalerSpec spec) {
        LayoutRecorder r = new LayoutRecorder();
        UpscalerGraph.build(spec, r);
        return r.tensors();
    }

    /** TAESD's (and TAESDXL's) decoder, in its {@code nn.Sequential}'s numbered names. */
    public static Map<String, long[]> taesdDecoder() {
        LayoutRecorder r = new LayoutRecorder();
        TaesdGraph.build(r);
        return r.tensors();
    }
}
