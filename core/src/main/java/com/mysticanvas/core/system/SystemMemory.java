package com.mysticanvas.core.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine's memory as the kernel reports it (RAM), and the GPU's (VRAM) where nvidia-smi is present. */
public final class SystemMemory {
    /** Bytes; {@code vramTotal}/{@code vramFree} are null without an NVIDIA GPU. */
    public record Snapshot(long ramTotal, long ramAvailable, Long vramTotal, Long vramFree) {}

    private SystemMemory() {}

    /** RAM in bytes: what there is, and what the kernel says can be had without swapping. */
    public record Ram(long total, long available) {}

    /** RAM and VRAM now (VRAM asks nvidia-smi: a process start, so not for hot paths). */
    public static Snapshot read() {
        Ram ram = ram();
        long[] vram = nvidiaSmi();
        return new Snapshot(ram.total(), ram.available(), vram == null ? null : vram[0], vram == null ? null : vram[1]);
    }

    /** RAM from /proc/meminfo (cheap); outside Linux the JVM's own heap limit stands in, a poor but safe figure. */
    public static Ram ram() {
        long total = 0;
        long available = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = kib(line);
                } else if (line.startsWith("MemAvailable:")) {
                    available = kib(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            Runtime rt = Runtime.getRuntime();
            total = rt.maxMemory();
            available = rt.maxMemory() - rt.totalMemory() + rt.freeMemory();
        }
        return new Ram(total, available);
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    /** [total, free] of the first GPU in bytes, or null. */
    private static long[] nvidiaSmi() {
        List<ComputeDevice> gpus = nvidiaGpus();
        return gpus.isEmpty() ? null : new long[] {gpus.getFirst().memoryTotal(), gpus.getFirst().memoryFree()};
    }

    /** The NVIDIA GPUs nvidia-smi lists, with their memory; none without the driver (a process start: not for hot paths). */
    public static List<ComputeDevice> nvidiaGpus() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total,memory.free",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            String out = new String(p.getInputStream().readAllBytes());
            return p.exitValue() == 0 ? parseNvidiaSmi(out) : List.of();
        } catch (IOException | RuntimeException e) {
            return List.of(); // no NVIDIA driver here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** nvidia-smi's {@code index, name, memory.total, memory.free} lines (MiB) as devices; lines it cannot read are left out. */
    static List<ComputeDevice> parseNvidiaSmi(String csv) {
        List<ComputeDevice> gpus = new java.util.ArrayList<>();
        for (String line : csv.lines().toList()) {
            String[] parts = line.split(",");
            if (parts.length == 4 && parts[0].strip().matches("\\d+")
                    && parts[2].strip().matches("\\d+") && parts[3].strip().matches("\\d+")) {
                gpus.add(new ComputeDevice(ComputeDevice.GPU, "CUDA" + parts[0].strip(), parts[1].strip(),
                        Long.parseLong(parts[2].strip()) << 20, Long.parseLong(parts[3].strip()) << 20));
            }
        }
        return List.copyOf(gpus);
    }

    /** The CPU's model name from /proc/cpuinfo, or the JVM's architecture name where there is none. */
    static String cpuModel() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }
}
