package com.mysticanvas.sd.pipeline;

import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.sd.model.ClipConfig;
import com.mysticanvas.sd.model.SdModelSpec;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import com.mysticanvas.sd.tokenizer.PromptChunks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The textual-inversion embeddings of {@code models/sd/embeddings} that fit one checkpoint, named in prompts by
 * their file's stem, as A1111 names them. Layouts read: SD 1.x and 2.x files hold one tensor [vectors, width]
 * (kohya's and A1111's {@code emb_params}, or a diffusers file's single key; [width] is one vector); SDXL files
 * hold {@code clip_l} [n, 768] and {@code clip_g} [n, 1280], one per text encoder (the refiner takes
 * {@code clip_g}). A file of another family is left out (its name stays plain text, as in A1111); one that cannot
 * be read is left out and reported.
 */
public final class Embeddings {
    /** An embedding and its vectors for each text encoder of the checkpoint, [vectors * width] each. */
    record Entry(PromptChunks.Embedding embedding, List<float[]> vectors, Path file) {}

    private final Map<String, Entry> byName;
    private final List<String> problems;

    private Embeddings(Map<String, Entry> byName, List<String> problems) {
        this.byName = byName;
        this.problems = List.copyOf(problems);
    }

    static final Embeddings NONE = new Embeddings(Map.of(), List.of());

    /** The file an embedding of this name came from, or null. */
    Path file(String name) {
        Entry e = byName.get(name);
        return e == null ? null : e.file();
    }

    static Embeddings load(List<Path> files, SdModelSpec spec, ClipTokenizer tokenizer) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            String name = ModelFolders.stem(file.getFileName().toString());
            try (SafeTensors st = SafeTensors.open(file)) {
                List<float[]> vectors = vectors(st, spec);
                if (vectors != null) {
                    int width = spec.textEncoders().getFirst().config().width();
                    int n = vectors.getFirst().length / width;
                    byName.put(name, new Entry(new PromptChunks.Embedding(name, tokenizer.encode(name), n), vectors, file));
                }
            } catch (IOException | RuntimeException e) {
                problems.add("embedding " + file.getFileName() + " was left out: " + e.getMessage());
            }
        }
        return new Embeddings(byName, problems);
    }

    /**
     * The tensor holding a file's vectors for a text encoder of this kind: SDXL's {@code clip_l} (ViT-L) or
     * {@code clip_g} (bigG), else {@code emb_params} or the file's one tensor; an error naming the keys when there
     * is none of these, null when it is an SDXL file without this encoder's.
     */
    public static TensorInfo vectorTensor(Map<String, TensorInfo> tensors, ClipConfig.Kind kind) {
        if (isXl(tensors)) {
            return tensors.get(kind == ClipConfig.Kind.OPENAI ? "clip_l" : "clip_g");
        }
        TensorInfo t = tensors.containsKey("emb_params") ? tensors.get("emb_params")
                : tensors.size() == 1 ? tensors.values().iterator().next() : null;
        if (t == null) {
            throw new IllegalArgumentException("no embedding tensor: expected emb_params, clip_l/clip_g or a "
                    + "single tensor, found " + tensors.keySet());
        }
        return t;
    }

    private static boolean isXl(Map<String, TensorInfo> tensors) {
        return tensors.containsKey("clip_l") || tensors.containsKey("clip_g");
    }

    /** Per text encoder, the file's vectors for it; null when the file is for another family. */
    private static List<float[]> vectors(SafeTensors st, SdModelSpec spec) {
        Map<String, TensorInfo> tensors = st.tensors();
        if (!isXl(tensors) && spec.textEncoders().size() > 1) {
            return null; // an SD 1.x/2.x embedding: SDXL needs a vector for each of its encoders
        }
        List<float[]> out = new ArrayList<>();
        int count = -1;
        for (SdModelSpec.TextEncoder e : spec.textEncoders()) {
            TensorInfo t = vectorTensor(tensors, e.config().kind());
            int width = e.config().width();
            if (t == null || t.shape()[t.rank() - 1] != width || t.rank() > 2) {
                return null;
            }
            int n = (int) (t.elements() / width);
            if (count != -1 && n != count) {
                throw new IllegalArgumentException("clip_l has " + count + " vectors but clip_g " + n);
            }
            count = n;
            out.add(st.floats(t));
        }
        return count > 0 ? out : null;
    }

    List<PromptChunks.Embedding> names() {
        return byName.values().stream().map(Entry::embedding).toList();
    }

    /** The vectors of {@code name} for text encoder {@code encoder}, [vectors * width]. */
    float[] vectors(String name, int encoder) {
        return byName.get(name).vectors().get(encoder);
    }

    /** Files that could not be read, in words. */
    List<String> problems() {
        return problems;
    }
}
