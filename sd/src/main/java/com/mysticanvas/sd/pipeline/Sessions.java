package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.core.system.ComputeDevice;
import com.mysticanvas.sd.onnx.OnnxGraph;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Creates ONNX Runtime sessions the way every SD network wants them. */
public final class Sessions {
    private Sessions() {}

    public static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /**
     * A session for a graph whose weights lie, as external data, in files inside {@code weightsDir};
     * {@code replaced} initializers (LoRA-merged weights) are taken from memory instead. Its activations come from
     * ORT's arena, which keeps its peak between runs until a run with {@link #releasingScratch()} gives it back.
     */
    public static OrtSession create(OnnxGraph graph, Path weightsDir, Map<String, OnnxTensor> replaced, int threads)
            throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            // Without the arena every first run at a new size mmaps and faults in each activation afresh: the
            // first 512x512 VAE decode took 60% more CPU time that way.
            options.setCPUArenaAllocator(true);
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
            if (onCuda()) {
                options.addCUDA(0); // the onnxruntime_gpu build (`build --gpu cuda`); ops CUDA lacks stay on the CPU
            }
            return env().createSession(graph.toModel(), options);
        }
    }

    /** True with the onnxruntime_gpu build and a CUDA device: sessions run on GPU 0. */
    public static boolean onCuda() {
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    }

    private static final long DEVICES_TTL_NANOS = Duration.ofSeconds(10).toNanos();
    private static volatile List<ComputeDevice> devices;
    private static volatile long devicesReadAt;

    /**
     * What the sessions compute on, for the worker's health: the CPU, and the GPUs when they run on CUDA (nvidia-smi's
     * figures, read again when older than 10 s: it is a process start, and health is asked every 2 s).
     */
    public static List<ComputeDevice> devices() {
        long now = System.nanoTime();
        if (devices == null || now - devicesReadAt > DEVICES_TTL_NANOS) {
            devices = onCuda() ? ComputeDevice.thisMachine() : List.of(ComputeDevice.thisCpu());
            devicesReadAt = now;
        }
        return devices;
    }

    /**
     * Run options that make a session give its arena's free regions back to the system after the run (all but the
     * arena's first region, which in our sessions holds weights or is small).
     */
    public static OrtSession.RunOptions releasingScratch() throws OrtException {
        OrtSession.RunOptions options = new OrtSession.RunOptions();
        options.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        return options;
    }
}
