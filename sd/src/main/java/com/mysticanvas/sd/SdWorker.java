package com.mysticanvas.sd;

import com.mysticanvas.core.models.ModelFolders;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Limits;
import com.mysticanvas.core.worker.WorkerConfig;
import com.mysticanvas.core.worker.WorkerKind;
import com.mysticanvas.core.worker.WorkerPaths;
import com.mysticanvas.core.worker.WorkerServer;
import com.mysticanvas.sd.api.A1111Api;
import com.mysticanvas.sd.api.ExtrasApi;
import com.mysticanvas.sd.api.ImageCapabilities;
import com.mysticanvas.sd.api.ImageJobEvents;
import com.mysticanvas.sd.api.ImageJobs;
import com.mysticanvas.sd.api.NoiseOptions;
import com.mysticanvas.sd.api.OpenAiImagesApi;
import com.mysticanvas.sd.model.CheckpointInspector;
import com.mysticanvas.sd.model.Family;
import com.mysticanvas.sd.pipeline.SdEngine;
import com.mysticanvas.sd.pipeline.SdModel;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.tokenizer.ClipTokenizer;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Entry point of {@code --mode sd-worker}: health, the model lists, load/unload, and the image APIs (OpenAI's and
 * A1111's) over one job queue.
 * The HTTP layer only parses and answers; every engine call goes through {@link SdEngine}'s own thread.
 */
public final class SdWorker {
    private SdWorker() {}

    public static void run(WorkerConfig config) {
        SdModel.Memory memory = config.lowMemory() ? SdModel.Memory.LOW : SdModel.Memory.BALANCED;
        ModelFolders files = config.models();
        SdEngine engine = new SdEngine(files, config.threads(), memory, () -> tokenizer(files));
        AtomicReference<ImageJobs> jobs = new AtomicReference<>();
        WorkerServer.start(WorkerKind.SD, config, routes -> jobs.set(routes(routes, engine, files, config.limits())));
        // Sessions closed before the JVM exits (ONNX Runtime's own teardown crashes if one is still open or running):
        // the running job stops at its next step, then the model is unloaded; bounded, so exit never hangs.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread close = Thread.ofPlatform().start(() -> {
                jobs.get().close();
                engine.close();
            });
            try {
                close.join(Duration.ofSeconds(15));
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "sd-close"));
        if (config.startupModel() != null && !config.startupModel().isBlank()) {
            engine.loadInBackground(config.startupModel());
        }
    }

    /** The worker's routes over an engine (tests mount them on a plain server). */
    public static ImageJobs routes(RoutesConfig routes, SdEngine engine, ModelFolders files, Limits limits) {
        routes.get(WorkerPaths.HEALTH, ctx -> {
            var health = Json.object().put("status", "ok").put("model", engine.model())
                    .put("loading", engine.loading()).put("vae", engine.vae()).put("memory", engine.memory());
            // its own memory, for an orchestrator on another machine (a local one reads /proc itself)
            com.mysticanvas.core.system.ProcessMemory.self().ifPresent(m -> health.put("rss_bytes", m.rssBytes()));
            health.set("devices", Json.MAPPER.valueToTree(com.mysticanvas.sd.pipeline.Sessions.devices()));
            ctx.json(health);
        });
        routes.get(WorkerPaths.SD_CHECKPOINTS, ctx -> list(ctx, files, ModelFolders.Kind.CHECKPOINT, engine.model()));
        routes.get("/v1/models/loras", ctx -> list(ctx, files, ModelFolders.Kind.LORA, null));
        routes.get("/v1/models/embeddings", ctx -> list(ctx, files, ModelFolders.Kind.EMBEDDING, null));
        routes.get("/v1/models/upscalers", ctx -> list(ctx, files, ModelFolders.Kind.UPSCALER, null));
        routes.get("/v1/models/vaes", ctx -> list(ctx, files, ModelFolders.Kind.VAE, engine.vae()));
        routes.post(WorkerPaths.SD_LOAD, ctx -> {
            ObjectNode body = Json.parseObject(ctx.body());
            JsonNode vae = body.path("vae");
            SdModel m = engine.load(body.path("checkpoint").asText(null), vae.isTextual() ? vae.asText() : null);
            ObjectNode out = Json.object().put("model", m.checkpointName()).put("vae", m.vaeName())
                    .put("family", m.spec().family().title() + (m.inpainting() ? " (inpainting)" : ""))
                    .put("family_id", m.spec().family().id()).put("memory", engine.memory());
            ctx.json(out);
        });
        routes.post(WorkerPaths.SD_UNLOAD, ctx -> {
            engine.unload();
            ctx.json(Json.object().put("model", (String) null));
        });
        ImageJobs jobs = new ImageJobs(engine, limits);
        NoiseOptions noise = new NoiseOptions();
        OpenAiImagesApi openAi = new OpenAiImagesApi(jobs, noise);
        openAi.routes(routes);
        new A1111Api(jobs, engine, files, openAi, noise).routes(routes);
        new ExtrasApi(engine, files).routes(routes);
        new ImageJobEvents(jobs).routes(routes);
        new ImageCapabilities(limits).routes(routes);
        return jobs;
    }

    /** The checkpoint's family id from its header alone (no weights read), or null when it is none we generate with. */
    private static String familyId(Path checkpoint) {
        try (SafeTensors st = CheckpointInspector.withCurrentNames(SafeTensors.open(checkpoint))) {
            Family family = CheckpointInspector.family(st);
            return family == null ? null : family.id();
        } catch (IOException | RuntimeException e) {
            return null; // a broken file: loading it says what is wrong
        }
    }

    private static void list(Context ctx, ModelFolders files, ModelFolders.Kind kind, String active) throws IOException {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (Path p : files.list(kind)) {
            String name = p.getFileName().toString();
            ObjectNode entry = data.addObject().put("id", name).put("object", "model").put("type", "image")
                    .put("size", Files.size(p)).put("loaded", name.equals(active));
            if (kind == ModelFolders.Kind.CHECKPOINT) {
                entry.put("family", familyId(p));
            }
        }
        ctx.json(out);
    }

    /** models/sd/tokenizers overrides the bundled CLIP merges file. */
    private static ClipTokenizer tokenizer(ModelFolders files) {
        Path dir = files.tokenizers();
        try (var entries = Files.isDirectory(dir) ? Files.list(dir) : java.util.stream.Stream.<Path>empty()) {
            if (entries.findAny().isPresent()) {
                return ClipTokenizer.load(dir);
            }
        } catch (IOException e) {
            System.err.println("sd-worker: cannot read " + dir + " (" + e.getMessage() + "); using the bundled tokenizer");
        }
        return ClipTokenizer.bundled();
    }
}
