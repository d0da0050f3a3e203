package com.mysticanvas.sd.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
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

    /**
     * A session for a graph whose weights lie, as external data, in files inside {@code weightsDir};
     * {@code replaced} initializers (LoRA-merged weights) are taken from memory instead.
     */
    public static OrtSession create(OnnxGraph graph, Path weightsDir, Map<String, OnnxTensor> replaced, int threads)
            throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            options.setCPUArenaAllocator(true);
            options.setMemoryPatternOptimization(true);
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
}
