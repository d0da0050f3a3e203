package com.mysticanvas.orchestrator.downloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.JsonFields;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.http.HttpProblems;
import com.mysticanvas.core.models.ModelFolders;
import com.mysticanvas.core.system.SystemMemory;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The model library's routes: {@code /api/downloads} (start, list, pause, resume, cancel), the Hub search and
 * quant picker for the Models view, downloaded models' provenance, and Ollama's {@code POST /api/pull} on the
 * same downloads.
 */
public final class DownloadsApi {
    /** Share of a model's file size added for what a load needs besides the weights (context, buffers). */
    private static final double LOAD_OVERHEAD = 1.2;

    private final DownloadManager downloads;
    private final Supplier<SystemMemory.Snapshot> memory;

    public DownloadsApi(DownloadManager downloads, Supplier<SystemMemory.Snapshot> memory) {
        this.downloads = downloads;
        this.memory = memory;
    }

    public void routes(RoutesConfig r) {
        r.post("/api/downloads", ctx -> {
            JsonNode body = Json.parseObject(ctx.body());
            ObjectNode job = downloads.submit(JsonFields.text(body, "source", null), SourceKinds.parse(JsonFields.text(body, "kind", null)));
            ctx.status(202).json(job);
        });
        r.get("/api/downloads", ctx -> ctx.json(Map.of("downloads", downloads.list())));
        r.get("/api/downloads/{id}", ctx -> ctx.json(downloads.get(ctx.pathParam("id"))));
        r.delete("/api/downloads/{id}", ctx -> ctx.json(downloads.cancel(ctx.pathParam("id"))));
        r.post("/api/downloads/{id}/pause", ctx -> ctx.json(downloads.pause(ctx.pathParam("id"))));
        r.post("/api/downloads/{id}/resume", ctx -> ctx.json(downloads.resume(ctx.pathParam("id"))));
        r.get("/api/downloads-plan", ctx -> ctx.json(planJson(downloads.plan(ctx.queryParam("source"),
                SourceKinds.parse(ctx.queryParam("kind"))))));
        r.get("/api/models/provenance", ctx -> ctx.json(Map.of("models", downloads.provenance())));
        r.get("/api/hub/search", ctx -> ctx.json(Map.of("models", downloads.search(ctx.queryParam("q"),
                !"false".equals(ctx.queryParam("gguf")), 30))));
        r.get("/api/hub/quants", ctx -> {
            String repo = ctx.queryParam("repo");
            if (repo == null || !ModelSource.REPO.matcher(repo).matches()) {
                throw Problem.badInput("'repo' must be a Hugging Face repository: {user}/{repo}");
            }
            ctx.json(quants(repo, ctx.queryParam("revision")));
        });
        r.post("/api/pull", this::ollamaPull);
    }

    private ObjectNode planJson(DownloadPlan plan) {
        ObjectNode out = Json.object().put("source", plan.source()).put("kind", plan.kind().name().toLowerCase(java.util.Locale.ROOT))
                .put("folder", "models/" + plan.kind().folder()).put("model", plan.model()).put("revision", plan.revision())
                .put("total", plan.totalBytes());
        out.set("files", Json.MAPPER.valueToTree(plan.files()));
        return out;
    }

    /**
     * A repo's quantisations, each with whether it fits this machine (file size plus a fifth, against RAM and VRAM), and
     * its single-file models with the folder each would go to.
     */
    private ObjectNode quants(String repo, String revision) {
        SystemMemory.Snapshot m = memory.get();
        ObjectNode out = Json.object().put("repo", repo);
        out.putObject("memory").put("ram_total", m.ramTotal()).put("ram_available", m.ramAvailable())
                .putPOJO("vram_total", m.vramTotal()).putPOJO("vram_free", m.vramFree());
        HubApi.Choices choices = downloads.choices(repo, revision);
        List<Map<String, Object>> quants = choices.quants();
        for (Map<String, Object> q : quants) {
            long need = (long) (((Number) q.get("size")).longValue() * LOAD_OVERHEAD);
            q.put("needs", need);
            q.put("fits", m.vramFree() != null && need <= m.vramFree() ? "gpu"
                    : need <= m.ramAvailable() ? "ram" : need <= m.ramTotal() ? "tight" : "no");
            q.put("source", "hf.co/" + repo + (q.get("tag") != null ? ":" + q.get("tag") : ""));
        }
        out.set("quants", Json.MAPPER.valueToTree(quants));
        var singles = out.putArray("files");
        for (HubFiles.Entry f : choices.singleFiles()) {
            String kind;
            try {
                kind = SourceKinds.forFile(f.fileName(), null).name().toLowerCase(java.util.Locale.ROOT);
            } catch (Problem notAModelFile) {
                continue;
            }
            singles.addObject().put("file", f.path()).put("size", f.size()).put("kind", kind)
                    .put("source", "hf.co/" + repo + "/" + f.path());
        }
        return out;
    }

    /**
     * Ollama's {@code POST /api/pull} ({@code {"model": "hf.co/{user}/{repo}:{quant}", "stream": true}}): the download
     * as Ollama reports one, NDJSON lines of {@code status} with {@code total} and {@code completed}, ending in
     * {@code success} or {@code error}. A model already downloaded is a success at once.
     */
    private void ollamaPull(Context ctx) throws IOException {
        DownloadJob job;
        boolean stream;
        try {
            JsonNode body = Json.parseObject(ctx.body());
            String name = JsonFields.text(body, "model", JsonFields.text(body, "name", null));
            stream = JsonFields.bool(body, "stream", true);
            if (name == null || name.isBlank()) {
                throw Problem.badInput("'model' is required: hf.co/{user}/{repo}[:{quant}]");
            }
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (!(lower.startsWith("hf.co/") || lower.startsWith("huggingface.co/"))
                    || !(ModelSource.parse(name) instanceof ModelSource.HuggingFace)) {
                throw Problem.badInput("'" + name + "' is not a Hugging Face model; /api/pull takes hf.co/{user}/{repo}[:{quant}] "
                        + "(Ollama's own library is not a source here; POST /api/downloads takes civitai and URLs)");
            }
            try {
                job = downloads.submitJob(name.replaceFirst("(?i):latest$", ""), ModelFolders.Kind.LLM);
            } catch (Problem p) {
                if (!"model_exists".equals(p.code())) {
                    throw p;
                }
                ctx.json(Json.object().put("status", "success"));
                return;
            }
        } catch (Problem p) {
            ctx.status(HttpProblems.status(p.kind())).json(Json.object().put("error", p.getMessage()));
            return;
        }
        BlockingQueue<ObjectNode> updates = new LinkedBlockingQueue<>();
        DownloadJob watched = job;
        Consumer<DownloadJob> listener = j -> {
            if (j == watched) {
                updates.offer(j.toJson());
            }
        };
        downloads.addListener(listener);
        try {
            updates.offer(job.toJson()); // its state now, in case it changed before the listener was there
            if (stream) {
                ctx.contentType("application/x-ndjson");
                OutputStream out = ctx.res().getOutputStream();
                line(out, Json.object().put("status", "pulling manifest"));
                String last = null;
                while (true) {
                    ObjectNode j = updates.poll(30, TimeUnit.SECONDS);
                    if (j == null) {
                        continue;
                    }
                    ObjectNode status = pullStatus(j);
                    String text = Json.write(status);
                    if (!text.equals(last)) {
                        line(out, status);
                        last = text;
                    }
                    if (status.has("error") || "success".equals(status.path("status").asText())) {
                        return;
                    }
                }
            }
            while (true) {
                ObjectNode status = pullStatus(updates.take());
                if (status.has("error")) {
                    ctx.status(500).json(status);
                    return;
                }
                if ("success".equals(status.path("status").asText())) {
                    ctx.json(status);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            downloads.removeListener(listener);
        }
    }

    /** One job state as Ollama's pull reports it. */
    private static ObjectNode pullStatus(ObjectNode job) {
        String state = job.path("state").asText();
        return switch (state) {
            case "done" -> Json.object().put("status", "success");
            case "failed" -> Json.object().put("error", job.path("error").asText("the download failed"));
            case "cancelled" -> Json.object().put("error", "the download was cancelled");
            case "paused" -> Json.object().put("status", "paused");
            case "verifying" -> Json.object().put("status", "verifying sha256 digest");
            default -> {
                JsonNode files = job.path("files");
                int index = Math.min(job.path("files_fetched").asInt(0), Math.max(0, files.size() - 1));
                String sha = files.path(index).path("sha256").asText("");
                String digest = "sha256:" + (sha.isEmpty() ? job.path("id").asText() : sha);
                yield Json.object().put("status", "pulling " + digest.substring(7, Math.min(digest.length(), 19)))
                        .put("digest", digest).put("total", job.path("total").asLong()).put("completed", job.path("bytes").asLong());
            }
        };
    }

    private static void line(OutputStream out, ObjectNode json) throws IOException {
        out.write((Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
