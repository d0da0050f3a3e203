package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.nio.file.Path;
import java.util.Map;

/** Creates ONNX Runtime sessions the way every SD network wants them. */
public final class Sessions {
    private Sessions() {}

    public static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /** Where a session's activations (its scratch memory) come from. */
    public enum Scratch {
        /**
         * ONNX Runtime's arena, kept between runs: for a network run many times in a row (the UNet, once per
         * step). It keeps its peak until a run with {@link #releasingScratch()} options gives it back.
         */
        KEPT,
        /** malloc and free on every run: for a network run once per image, whose memory is back as soon as it ends. */
        RELEASED
    }

    /** A session that keeps its arena between runs (tests, one-off graphs). */
    public static OrtSession create(OnnxGraph graph, Path weightsDir, Map<String, OnnxTensor> replaced, int threads)
            throws OrtException {
        return create(graph, weightsDir, replaced, threads, Scratch.KEPT);
    }

    /**
     * A session for a graph whose weights lie, as external data, in files inside {@code weightsDir};
     * {@code replaced} initializers (LoRA-merged weights) are taken from memory instead.
     */
    public static OrtSession create(OnnxGraph graph, Path weightsDir, Map<String, OnnxTensor> replaced, int threads,
                                    Scratch scratch) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            options.setCPUArenaAllocator(scratch == Scratch.KEPT);
            // With or without the arena: one block per run, planned from the first run's shapes.
            options.setMemoryPatternOptimization(true);
            // Weights kept narrow are initializers that are also graph inputs: ORT warns once about each of them
            // (hundreds), and this fp16 transformer of ORT 1.29 dereferences null on them (a crash in createSession).
            // It has nothing else to do in our graphs, where every other Cast of a weight is folded.
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            options.addConfigEntry("optimization.disable_specified_optimizers", "FuseFp16InitializerToFp32NodeTransformer");
            // Spinning threads burn the cores the HTTP side and the other worker need between ops.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.model_external_initializers_file_folder_path",
                    weightsDir.toAbsolutePath().toString());
            if (!replaced.isEmpty()) {
                options.addExternalInitializers(new java.util.HashMap<>(replaced));
            }
            return env().createSession(graph.toModel(), options);
        }
    }

    /** Run options that make a {@link Scratch#KEPT} session give its arena's free memory back after the run. */
    public static OrtSession.RunOptions releasingScratch() throws OrtException {
        OrtSession.RunOptions options = new OrtSession.RunOptions();
        options.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        return options;
    }
}
