package dev.lstar.conformance.gen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The host's CPU feature flags, from the "flags" line of /proc/cpuinfo (Linux). */
public final class CpuFeatures {
    private final Set<String> flags;

    public CpuFeatures(Set<String> flags) {
        this.flags = Set.copyOf(flags);
    }

    /** Reads /proc/cpuinfo; an empty set if unreadable. */
    public static CpuFeatures host() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    String v = line.substring(line.indexOf(':') + 1).trim();
                    return new CpuFeatures(Arrays.stream(v.split("\\s+")).collect(Collectors.toSet()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: no features known
        }
        return new CpuFeatures(Set.of());
    }

    /** True if {@code flag} is null (no requirement) or present. */
    public boolean has(String flag) {
        return flag == null || flags.contains(flag);
    }
}
