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
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.total,memory.free", "--format=csv,noheader,nounits")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            if (p.exitValue() != 0 || lines.isEmpty()) {
                return null;
            }
            String[] parts = lines.getFirst().split(",");
            return new long[] {Long.parseLong(parts[0].strip()) << 20, Long.parseLong(parts[1].strip()) << 20};
        } catch (IOException | RuntimeException e) {
            return null; // no NVIDIA driver here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
