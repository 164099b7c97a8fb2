package dev.step1x.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process's and the machine's memory as Linux reports it in {@code /proc}: the one place that reads it. Each
 * figure is 0 where {@code /proc} is not available (another OS) or cannot be parsed.
 */
public final class ProcessMemory {

    private ProcessMemory() {}

    /** Resident set size now ({@code VmRSS} of /proc/self/status). */
    public static long residentBytes() {
        return kib(lines(Path.of("/proc/self/status")), "VmRSS:");
    }

    /** Peak resident set size ({@code VmHWM} of /proc/self/status). */
    public static long peakResidentBytes() {
        return kib(lines(Path.of("/proc/self/status")), "VmHWM:");
    }

    /** The machine's memory ({@code MemTotal} of /proc/meminfo). */
    public static long totalBytes() {
        return kib(lines(Path.of("/proc/meminfo")), "MemTotal:");
    }

    /**
     * Resets the peak ({@link #peakResidentBytes}) to the current resident size, where the kernel allows it
     * ({@code /proc/self/clear_refs}); otherwise the peak keeps covering the process so far.
     */
    public static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux, or not allowed
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The value of a "Name:   1234 kB" line in bytes, 0 if absent. */
    static long kib(List<String> lines, String name) {
        for (String line : lines) {
            if (line.startsWith(name)) {
                try {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }
}
