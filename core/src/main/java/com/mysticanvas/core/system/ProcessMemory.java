package com.mysticanvas.core.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process's memory as Linux reports it in {@code /proc/<pid>/status}, in bytes: its resident set, the anonymous
 * (heap, arenas, copies) and file-backed (mapped models, libraries) parts of it, and its peak. The one reader of
 * those figures: the orchestrator shows its workers' with it, tests and benchmarks measure their own.
 */
public record ProcessMemory(long rssBytes, long peakBytes, long anonBytes, long fileBytes) {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /** The process {@code pid}'s figures; empty where there is no /proc (not Linux) or the process is gone. */
    public static Optional<ProcessMemory> of(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "status"));
    }

    /** This process's figures; empty where there is no /proc. */
    public static Optional<ProcessMemory> self() {
        return read(Path.of("/proc/self/status"));
    }

    /** Sets this process's peak back to its current RSS; false where the kernel does not allow it (peaks then add up). */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    public long anonMb() {
        return anonBytes >> 20;
    }

    public long fileMb() {
        return fileBytes >> 20;
    }

    private static Optional<ProcessMemory> read(Path status) {
        long rss = 0, peak = 0, anon = 0, file = 0;
        try {
            for (String line : Files.readAllLines(status)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                switch (line.substring(0, colon)) {
                    case "VmRSS" -> rss = kib(line, colon);
                    case "VmHWM" -> peak = kib(line, colon);
                    case "RssAnon" -> anon = kib(line, colon);
                    case "RssFile" -> file = kib(line, colon);
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.of(new ProcessMemory(rss, peak, anon, file));
    }

    private static long kib(String line, int colon) {
        String digits = line.substring(colon + 1).replaceAll("\\D", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits) * 1024;
    }
}
