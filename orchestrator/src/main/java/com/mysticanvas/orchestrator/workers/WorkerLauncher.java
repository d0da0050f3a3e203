package com.mysticanvas.orchestrator.workers;

import com.mysticanvas.core.worker.WorkerKind;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the command line that starts a worker process. */
@FunctionalInterface
public interface WorkerLauncher {
    String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    List<String> command(WorkerKind kind, List<String> workerArgs);

    /**
     * Relaunches this very program: the same {@code java} binary, JVM options and class path, with
     * {@code mainClass} and the worker's arguments. One jar, three processes.
     */
    static WorkerLauncher sameJvm(String mainClass) {
        return sameJvm(Map.of(WorkerKind.LLM, mainClass, WorkerKind.SD, mainClass));
    }

    /** As {@link #sameJvm(String)}, with a main class per worker (tests swap in their own workers). */
    static WorkerLauncher sameJvm(Map<WorkerKind, String> mainClasses) {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
        List<String> jvmOptions = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(WorkerLauncher::inheritable)
                .toList());
        // `java -jar` grants native access through the jar's manifest; `-cp` needs the flag.
        if (!jvmOptions.contains(NATIVE_ACCESS)) {
            jvmOptions.add(NATIVE_ACCESS);
        }
        // A worker killed by its native engine leaves its crash report in the temp folder, not the user's working folder.
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-XX:ErrorFile="))) {
            jvmOptions.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "mysticanvas-worker-crash-%p.log"));
        }
        String classPath = System.getProperty("java.class.path");
        return (kind, workerArgs) -> {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(classPath);
            cmd.add(mainClasses.get(kind));
            cmd.addAll(workerArgs);
            return cmd;
        };
    }

    /** Debug agents would clash on their port; heap sizing is the worker's own business. */
    private static boolean inheritable(String option) {
        return !option.startsWith("-agentlib:") && !option.startsWith("-javaagent:")
                && !option.startsWith("-Xmx") && !option.startsWith("-Xms")
                && !option.startsWith("-XX:+HeapDump");
    }
}
