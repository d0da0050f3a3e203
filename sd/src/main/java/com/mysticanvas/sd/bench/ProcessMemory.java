package com.mysticanvas.sd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's memory as Linux reports it in {@code /proc/self/status}: resident set (anonymous and file-backed
 * parts) and its peak. The peak can be reset ({@code clear_refs} 5) so each phase of a run gets its own peak.
 */
record ProcessMemory(long rssKb, long peakKb, long anonKb, long fileKb) {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    static ProcessMemory now() {
        long rss = 0, peak = 0, anon = 0, file = 0;
        try {
            for (String line : Files.readAllLines(STATUS)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                long kb = number(line.substring(colon + 1));
                switch (line.substring(0, colon)) {
                    case "VmRSS" -> rss = kb;
                    case "VmHWM" -> peak = kb;
                    case "RssAnon" -> anon = kb;
                    case "RssFile" -> file = kb;
                    default -> { }
                }
            }
        } catch (IOException e) {
            return new ProcessMemory(-1, -1, -1, -1); // not Linux: the figures are simply missing
        }
        return new ProcessMemory(rss, peak, anon, file);
    }

    /** Sets the peak back to the current RSS; false where the kernel does not allow it (peaks then accumulate). */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static long number(String value) {
        String digits = value.replaceAll("\\D", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits);
    }
}
