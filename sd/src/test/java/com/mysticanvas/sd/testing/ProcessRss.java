package com.mysticanvas.sd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory as Linux reports it in {@code /proc/self/status}. */
public final class ProcessRss {
    private ProcessRss() {}

    /** Anonymous resident memory (heap, arenas, copies), MB. */
    public static long anonMb() {
        return kb("RssAnon:") / 1024;
    }

    /** File-backed resident memory (mapped files and libraries), MB. */
    public static long fileMb() {
        return kb("RssFile:") / 1024;
    }

    private static long kb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
