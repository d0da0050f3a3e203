package com.mysticanvas.orchestrator.downloads;

import com.mysticanvas.core.Problem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which files of a Hub repository make the model a user asked for: the GGUF of a quantisation tag (none given:
 * {@code Q4_K_M}, then {@code Q8_0}, then the first GGUF, as llama.cpp chooses), all its shards
 * ({@code -00001-of-00003}), and an {@code mmproj} file beside it.
 */
final class HubFiles {
    /** A file of the listing; {@code sha256} is the LFS oid (null for files kept in git itself). */
    record Entry(String path, long size, String sha256) {
        String fileName() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    static final List<String> DEFAULT_TAGS = List.of("Q4_K_M", "Q8_0");
    private static final Pattern SHARD = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.gguf", Pattern.CASE_INSENSITIVE);
    /** Quantisation tags as GGUF file names carry them ({@code Q4_K_M}, {@code IQ3_XXS}, {@code F16}, {@code BF16}...). */
    private static final Pattern QUANT = Pattern.compile("(?i)(?<![A-Za-z0-9])((?:I?Q\\d+(?:_[A-Z0-9]+)*)|BF16|F16|F32|MXFP4(?:_MOE)?)(?![A-Za-z0-9])");

    private HubFiles() {}

    static boolean isGguf(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    static boolean isMmproj(String path) {
        return path.toLowerCase(Locale.ROOT).contains("mmproj");
    }

    /** The quantisation tag in a GGUF's name, or null ({@code model-Q4_K_M-00001-of-00002.gguf} gives Q4_K_M). */
    static String quant(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        Matcher shard = SHARD.matcher(name);
        String base = shard.matches() ? shard.group(1) : name.replaceFirst("(?i)\\.gguf$", "");
        Matcher m = QUANT.matcher(base);
        String last = null;
        while (m.find()) {
            last = m.group(1).toUpperCase(Locale.ROOT);
        }
        return last;
    }

    /** The repository's models as a quant picker shows them: tag, files, bytes (shards summed). */
    static List<Map<String, Object>> quants(List<Entry> listing) {
        Map<String, List<Entry>> byModel = new LinkedHashMap<>();
        for (Entry e : listing) {
            if (isGguf(e.path()) && !isMmproj(e.path())) {
                Matcher shard = SHARD.matcher(e.path());
                if (shard.matches() && !shard.group(2).equals("00001")) {
                    continue;
                }
                try {
                    byModel.put(e.path(), modelFiles(listing, e));
                } catch (Problem missingShard) {
                    // an incomplete set is not offered
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byModel.forEach((first, files) -> {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("file", first);
            q.put("tag", quant(first));
            q.put("size", files.stream().mapToLong(Entry::size).sum());
            q.put("shards", files.size());
            out.add(q);
        });
        return out;
    }

    /**
     * The repo's single-file models beside its GGUFs: {@code .safetensors}, {@code .ckpt} and {@code .pth} files at
     * its top level (a checkpoint as A1111 and ComfyUI load one, a LoRA, a VAE, an upscaler), not the parts of a
     * diffusers layout, which live in folders ({@code unet/}, {@code vae/}...) and which no folder here loads.
     */
    static List<Entry> singleFiles(List<Entry> listing) {
        return listing.stream().filter(e -> !e.path().contains("/")).filter(e -> {
            String lower = e.path().toLowerCase(Locale.ROOT);
            return lower.endsWith(".safetensors") || lower.endsWith(".ckpt") || lower.endsWith(".pth");
        }).sorted(Comparator.comparing(Entry::path)).toList();
    }

    /** The files that make the model of {@code tag} (null: the default choice), mmproj last when there is one. */
    static List<Entry> choose(List<Entry> listing, String tag, String repo) {
        List<Entry> models = listing.stream().filter(e -> isGguf(e.path()) && !isMmproj(e.path())).toList();
        if (models.isEmpty()) {
            throw Problem.notFound(repo + " has no GGUF file; name a file (hf.co/" + repo + "/{file}) for other formats");
        }
        Entry chosen = null;
        if (tag != null) {
            chosen = withTag(models, tag);
            if (chosen == null) {
                String have = String.join(", ", models.stream().map(e -> quant(e.path())).filter(q -> q != null).distinct().toList());
                throw Problem.notFound(repo + " has no " + tag + " GGUF" + (have.isEmpty() ? "" : "; it has " + have));
            }
        } else {
            for (String t : DEFAULT_TAGS) {
                chosen = withTag(models, t);
                if (chosen != null) {
                    break;
                }
            }
            if (chosen == null) {
                chosen = models.stream().sorted(Comparator.comparing(Entry::path)).filter(e -> !isLaterShard(e.path()))
                        .findFirst().orElse(models.getFirst());
            }
        }
        List<Entry> files = new ArrayList<>(modelFiles(listing, chosen));
        mmproj(listing, tag).ifPresent(files::add);
        return files;
    }

    /** The file a source names, with the rest of its shard set and an mmproj when it is a GGUF model. */
    static List<Entry> named(List<Entry> listing, String path, String where) {
        Entry file = listing.stream().filter(e -> e.path().equals(path)).findFirst()
                .orElseThrow(() -> Problem.notFound(path + " is not in " + where));
        if (!isGguf(path) || isMmproj(path)) {
            return List.of(file);
        }
        List<Entry> files = new ArrayList<>(modelFiles(listing, file));
        mmproj(listing, quant(path)).ifPresent(files::add);
        return files;
    }

    /** A later shard's path ({@code -00002-of-...}) is never what a request names. */
    static boolean isLaterShard(String path) {
        Matcher shard = SHARD.matcher(path.substring(path.lastIndexOf('/') + 1));
        return shard.matches() && !shard.group(2).equals("00001");
    }

    private static Entry withTag(List<Entry> models, String tag) {
        return models.stream().filter(e -> tag.equalsIgnoreCase(quant(e.path())) && !isLaterShard(e.path()))
                .min(Comparator.comparing(Entry::path)).orElse(null);
    }

    /** The chosen file, or all shards of its set in order (every one must be listed). */
    private static List<Entry> modelFiles(List<Entry> listing, Entry chosen) {
        Matcher shard = SHARD.matcher(chosen.path());
        if (!shard.matches()) {
            return List.of(chosen);
        }
        int count = Integer.parseInt(shard.group(3));
        List<Entry> shards = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String path = shard.group(1) + "-%05d-of-%s.gguf".formatted(i, shard.group(3));
            Entry part = listing.stream().filter(e -> e.path().equalsIgnoreCase(path)).findFirst()
                    .orElseThrow(() -> Problem.notFound("shard " + path + " of " + chosen.path() + " is missing from the repository"));
            shards.add(part);
        }
        return shards;
    }

    private static java.util.Optional<Entry> mmproj(List<Entry> listing, String tag) {
        List<Entry> projectors = listing.stream().filter(e -> isGguf(e.path()) && isMmproj(e.path()))
                .sorted(Comparator.comparing(Entry::path)).toList();
        return projectors.stream().filter(e -> tag != null && tag.equalsIgnoreCase(quant(e.path()))).findFirst()
                .or(() -> projectors.stream().filter(e -> "F16".equals(quant(e.path()))).findFirst())
                .or(() -> projectors.stream().findFirst());
    }
}
